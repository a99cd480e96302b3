# ResNet-50 deflated to 1D (bottleneck blocks, 2048 channels after res5),
# no non-local block.
model = dict(
    type='Recognizer1D',
    backbone=dict(
        type='ResNet1d',
        depth=50,
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
    cls_head=dict(
        type='SignalHead',
        num_classes=2,
        in_channels=2048,
        spatial_type='avg',
        dropout_ratio=0.5,
        init_std=0.01,
        average_clips='prob'),
    data_preprocessor=dict(type='SignalDataPreprocessor', format_shape='NCL'))
