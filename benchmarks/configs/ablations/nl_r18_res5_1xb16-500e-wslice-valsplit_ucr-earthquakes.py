# Diagnostic (nothing is selected on it): the Earthquakes diagnostic
# (r18_1xb16-500e-wslice-valsplit_ucr-earthquakes.py) with the recipe's
# non-local block after res5 (configs/_base_/models/nl_r18_res5.py).
_base_ = ['r18_1xb16-500e-wslice-valsplit_ucr-earthquakes.py']

model = dict(
    neck=dict(
        type='NonLocalNeck1d',
        in_channels=512,
        reduction=2,
        use_scale=True,
        mode='embedded_gaussian',
        std=0.1,
        norm_cfg=dict(type='BN1d', requires_grad=True)))
