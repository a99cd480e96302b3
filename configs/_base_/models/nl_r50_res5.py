# R50 deflated to 1D, one non-local block (embedded gaussian) after res5.
model = dict(
    type='Recognizer1D',
    backbone=dict(
        type='ResNet1d',
        depth=50,
        in_channels=1,
        out_indices=(3, ),
        norm_eval=False),
    neck=dict(
        type='NonLocal1d',
        in_channels=2048,
        reduction=2,
        use_scale=True,
        mode='embedded_gaussian',
        # theta/phi/g ~ N(0, 0.1): with mmcv's 0.01 the attention starts
        # uniform, the block computes nothing a plain ResNet could not, and
        # training sits on a plateau (demo data, 8 epochs: best val AUROC
        # 0.56 with 0.01, 1.00 with 0.1; configs/nl1d/README.md). The output
        # norm is still zero-initialised: the block starts as an identity.
        std=0.1,
        # BN after W_z, zero-initialised: the block starts as an identity.
        norm_cfg=dict(type='BN1d', requires_grad=True)),
    cls_head=dict(
        type='SignalHead',
        num_classes=2,
        in_channels=2048,
        spatial_type='avg',
        dropout_ratio=0.5,
        init_std=0.01,
        average_clips='prob'),
    data_preprocessor=dict(type='SignalDataPreprocessor', format_shape='NCL'))
