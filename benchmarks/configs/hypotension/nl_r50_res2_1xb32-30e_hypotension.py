_base_ = ['r50_1xb32-30e_hypotension.py']

# One non-local block in res2 (layer1), right before the stage's
# last residual block (Wang et al. 2018, Table 2b); placement per block as
# mmaction2's ResNet3d; block settings (non_local_cfg) as its I3D non-local
# configs, set in configs/_base_/models/r18.py.
model = dict(
    backbone=dict(
        non_local=((0, 1, 0), 0, 0, 0)))
