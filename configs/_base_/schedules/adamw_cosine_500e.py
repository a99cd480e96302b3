# The signal recipe's schedule: AdamW, linear warm-up, cosine decay to 0.
# lr 1e-3 for one process of 16 examples (`1xb16`), the batch the UCR
# baselines train with (Fawaz et al. 2019: Adam, lr 1e-3, batch 16);
# `--auto-scale-lr` rescales it when the total batch differs. 500 epochs:
# the small fixed-split archives need many passes (the published ResNet
# trains 1500 with Adam). configs/nl1d/README.md has the ablations.
max_epochs = 500
warmup_epochs = 10

train_cfg = dict(
    type='EpochBasedTrainLoop', max_epochs=max_epochs, val_begin=1,
    val_interval=1)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')

param_scheduler = [
    dict(
        type='LinearLR',
        start_factor=0.01,
        by_epoch=True,
        begin=0,
        end=warmup_epochs,
        convert_to_iter_based=True),
    dict(
        type='CosineAnnealingLR',
        T_max=max_epochs - warmup_epochs,
        eta_min=0,
        by_epoch=True,
        begin=warmup_epochs,
        end=max_epochs,
        convert_to_iter_based=True)
]

optim_wrapper = dict(
    optimizer=dict(type='AdamW', lr=1e-3, weight_decay=1e-2),
    clip_grad=dict(max_norm=10, norm_type=2))
