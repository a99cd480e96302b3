# AdamW, one epoch of linear warm-up, cosine decay to 0 over 30 epochs: the
# signal recipe (adamw_cosine_500e.py) for datasets of thousands of windows
# or more (hypotension prediction: one window per 20 s of surgery), where
# each epoch already makes hundreds of steps. lr 1e-3 for one process of
# 32 windows (`1xb32`); `--auto-scale-lr` rescales it when the total batch
# differs. A config that changes `max_epochs` must restate the schedulers'
# `T_max`/`end` too (they are computed here).
max_epochs = 30
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
