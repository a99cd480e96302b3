# One non-local block in res2 (layer1), right before the stage's last
# residual block (Wang et al. 2018, Table 2b), with the same block settings
# as the res5 neck (embedded gaussian, scaled, theta/phi/g std 0.1, BN after
# W_z zero-initialised, no sub-sampling): only the position differs.
_base_ = ['r18_1xb32-20e_cinc2017-af-20s.py']

model = dict(
    backbone=dict(
        non_local=((1, 0), 0, 0, 0),
        non_local_cfg=dict(
            _delete_=True,
            mode='embedded_gaussian',
            use_scale=True,
            std=0.1,
            norm_cfg=dict(type='BN1d', requires_grad=True))))
