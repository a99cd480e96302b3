# The schedule of the released CinC 2017, Apnea-ECG and hypotension recipes:
# AdamW (lr 1e-3, weight decay 1e-2), one epoch of linear warm-up, then
# cosine decay to 0 at the last step of training whatever its length: the
# cosine states no `end` and no `T_max`, so mmengine's Runner ends it at
# train_cfg.max_epochs, and a config or `--cfg-options
# train_cfg.max_epochs=N` changes the length alone. lr 1e-3 is for one
# process of the batch the experiment config names (`1xb32`: 32);
# `--auto-scale-lr` rescales it when the total batch differs.
# benchmarks/README.md has the measurements behind each choice.
train_cfg = dict(
    type='EpochBasedTrainLoop', max_epochs=40, val_begin=1, val_interval=1)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')

param_scheduler = [
    dict(
        type='LinearLR',
        start_factor=0.01,
        by_epoch=True,
        begin=0,
        end=1,
        convert_to_iter_based=True),
    dict(
        type='CosineAnnealingLR',
        eta_min=0,
        by_epoch=True,
        begin=1,
        convert_to_iter_based=True)
]

optim_wrapper = dict(
    optimizer=dict(type='AdamW', lr=1e-3, weight_decay=1e-2),
    clip_grad=dict(max_norm=10, norm_type=2))
