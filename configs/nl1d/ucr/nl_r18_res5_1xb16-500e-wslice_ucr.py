# UCR archive sets: a non-local R18 (one block after res5) with a stem that
# does not downsample, window slicing (../../_base_/datasets/ucr.py), AdamW +
# cosine for 500 epochs, the last epoch tested. A set's config inherits this
# one and sets data_root and num_classes (README.md, "Adding a UCR set").
_base_ = [
    '../../_base_/models/nl_r18_res5.py', '../../_base_/datasets/ucr.py',
    '../../_base_/schedules/adamw_cosine_500e.py',
    '../../_base_/default_runtime.py'
]

# Short series: no downsampling in the stem (x8 overall instead of x32), so
# a 96-sample series keeps 12 positions at res5.
model = dict(backbone=dict(stem_stride=1, stem_pool=False))

# No validation: the last checkpoint is the model, and no threshold is
# chosen (the accuracy is that of the top class).
default_hooks = dict(
    checkpoint=dict(
        interval=100, max_keep_ckpts=1, save_best=None, save_last=True),
    logger=dict(interval=10))
custom_hooks = [dict(type='SetupEnvHook'), dict(type='RNGStateHook')]

# lr 1e-3 is for one process of 16 series.
auto_scale_lr = dict(enable=False, base_batch_size=16)
