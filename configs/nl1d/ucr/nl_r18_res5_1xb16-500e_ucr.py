# The signal recipe on UCR archive sets: a non-local R18 (one block after
# res5) with a stem that does not downsample, AdamW + cosine, 500 epochs,
# the last epoch tested. Each dataset's config inherits this one and sets
# only data_root and num_classes.
_base_ = [
    '../../_base_/models/nl_r18_res5.py', '../../_base_/datasets/ucr.py',
    '../../_base_/schedules/adamw_cosine.py',
    '../../_base_/default_runtime.py'
]

# Short series: no downsampling in the stem (x8 overall instead of x32), so
# a 96-sample series keeps 12 positions at res5.
model = dict(backbone=dict(stem_stride=1, stem_pool=False))

# 500 epochs: the small fixed-split archives need many passes (the
# published ResNet trains 1500 with Adam); 10 of them warm up (an epoch is
# 2-21 steps of 16 series). No validation loop (see
# ../../_base_/datasets/ucr.py): the last checkpoint is the model.
train_cfg = dict(max_epochs=500)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=True, end=10,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', by_epoch=True, begin=10,
         convert_to_iter_based=True)
]
val_cfg = None
default_hooks = dict(
    checkpoint=dict(
        interval=100, max_keep_ckpts=1, save_best=None, save_last=True),
    logger=dict(interval=10))
custom_hooks = [dict(type='SetupEnvHook'), dict(type='RNGStateHook')]

# lr 1e-3 is for one process of 16 series.
auto_scale_lr = dict(enable=False, base_batch_size=16)
