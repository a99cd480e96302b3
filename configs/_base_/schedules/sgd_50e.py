# The non-local paper's recipe: SGD momentum 0.9, weight decay 1e-4, step
# decay, lr 0.01 for 64 clips (8 GPUs x 8, as mmaction2's non-local I3D
# configs), scaled linearly to the total batch of 256 (8 x 32) of the
# `8xb32` configs: 0.04. `--auto-scale-lr` rescales it to the real batch.
train_cfg = dict(
    type='EpochBasedTrainLoop', max_epochs=50, val_begin=1, val_interval=1)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')

param_scheduler = [
    dict(
        type='MultiStepLR',
        begin=0,
        end=50,
        by_epoch=True,
        milestones=[30, 40],
        gamma=0.1)
]

optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.04, momentum=0.9, weight_decay=1e-4),
    clip_grad=dict(max_norm=40, norm_type=2))
