_base_ = ['r34_8xb32_signal.py']

# One non-local block in res2 (layer1), right before the stage's
# last residual block (Wang et al. 2018, Table 2b); placement per block as
# mmaction2's ResNet3d, block settings as its I3D non-local configs.
model = dict(
    backbone=dict(
        non_local=((0, 1, 0), 0, 0, 0),
        non_local_cfg=dict(
            sub_sample=True,
            use_scale=False,
            norm_cfg=dict(type='BN1d', requires_grad=True),
            mode='embedded_gaussian')))
