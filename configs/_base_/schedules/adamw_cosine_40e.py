# AdamW, one epoch of linear warm-up, cosine decay to 0 over 40 epochs: the
# signal recipe for datasets of a few thousand records (CinC 2017), where an
# epoch makes ~70 steps of 32. lr 1e-3 for one process of 32 windows
# (`1xb32`); `--auto-scale-lr` rescales it when the total batch differs. A
# config that changes `max_epochs` must restate the schedulers' `T_max`/
# `end` too (they are computed here). configs/nl1d/README.md has the
# ablations.
max_epochs = 40
warmup_epochs = 1

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
