# The UCR schedule: AdamW (lr 1e-3, weight decay 1e-2), 10 epochs of linear
# warm-up, then cosine decay to 0 at the last step of the 500 epochs (the
# small fixed-split archives need many passes: an epoch is 2-21 steps of 16
# series; the published ResNet trains 1500 with Adam). No validation loop:
# the archive's protocol tests the last epoch.
train_cfg = dict(
    type='EpochBasedTrainLoop', max_epochs=500, val_begin=1, val_interval=1)
val_cfg = None
test_cfg = dict(type='TestLoop')

param_scheduler = [
    dict(
        type='LinearLR',
        start_factor=0.01,
        by_epoch=True,
        end=10,
        convert_to_iter_based=True),
    dict(
        type='CosineAnnealingLR',
        by_epoch=True,
        begin=10,
        convert_to_iter_based=True)
]

optim_wrapper = dict(
    optimizer=dict(type='AdamW', lr=1e-3, weight_decay=1e-2),
    clip_grad=dict(max_norm=10, norm_type=2))
