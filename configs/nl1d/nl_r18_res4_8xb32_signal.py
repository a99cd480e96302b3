# R18 with one non-local block in res4 (layer3), right before the
# stage's last residual block (Wang et al. 2018, Table 2b); placement per
# block as mmaction2's ResNet3d; block settings (`non_local_cfg`) as its I3D
# non-local configs, from the base model.
_base_ = ['r18_8xb32_signal.py']

model = dict(
    backbone=dict(
        non_local=(0, 0, (1, 0), 0)))
