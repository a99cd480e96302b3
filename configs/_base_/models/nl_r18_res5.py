# ResNet-18 deflated to 1D (basic blocks, 512 channels after res5) with one
# non-local block (embedded gaussian) after res5, as a neck.
model = dict(
    type='Recognizer1D',
    backbone=dict(
        type='ResNet1d',
        depth=18,
        in_channels=1,
        out_indices=(3, ),
        norm_eval=False,
        # Settings of non-local blocks inside the backbone, as mmaction2's
        # I3D non-local configs; inert until a config sets `non_local`.
        non_local_cfg=dict(
            sub_sample=True,
            use_scale=False,
            norm_cfg=dict(type='BN1d', requires_grad=True),
            mode='embedded_gaussian')),
    neck=dict(
        type='NonLocalNeck1d',
        in_channels=512,
        reduction=2,
        use_scale=True,
        mode='embedded_gaussian',
        # theta/phi/g ~ N(0, 0.1) instead of mmcv's 0.01: with 0.01 the
        # attention starts uniform and the block learns nothing a plain
        # ResNet could not (configs/nl1d/README.md, "Initialisation").
        std=0.1,
        # BN after W_z, zero-initialised: the block starts as an identity.
        norm_cfg=dict(type='BN1d', requires_grad=True)),
    cls_head=dict(
        type='SignalHead',
        num_classes=2,
        in_channels=512,
        spatial_type='avg',
        dropout_ratio=0.5,
        init_std=0.01,
        average_clips='prob'),
    data_preprocessor=dict(type='SignalDataPreprocessor', format_shape='NCL'))
