# UCR archive sets: the plain R18 twin of nl_r18_res5_1xb16-500e-wslice_ucr.py
# (the same recipe, no non-local block).
_base_ = [
    '../../_base_/models/r18.py', '../../_base_/datasets/ucr.py',
    '../../_base_/schedules/adamw_cosine_500e.py',
    '../../_base_/default_runtime.py'
]

# Short series: no downsampling in the stem (x8 overall instead of x32).
model = dict(backbone=dict(stem_stride=1, stem_pool=False))

# No validation: the last checkpoint is the model.
default_hooks = dict(
    checkpoint=dict(
        interval=100, max_keep_ckpts=1, save_best=None, save_last=True),
    logger=dict(interval=10))
custom_hooks = [dict(type='SetupEnvHook'), dict(type='RNGStateHook')]

# lr 1e-3 is for one process of 16 series.
auto_scale_lr = dict(enable=False, base_batch_size=16)
