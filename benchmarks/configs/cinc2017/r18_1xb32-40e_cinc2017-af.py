# The plain R18 twin of nl_r18_res5_1xb32-40e_cinc2017-af.py.
_base_ = [
    '../../../configs/_base_/models/r18.py',
    '../_base_/datasets/cinc2017_af_30s.py',
    '../../../configs/_base_/schedules/adamw_cosine.py',
    '../../../configs/_base_/default_runtime.py'
]

train_cfg = dict(max_epochs=40)
default_hooks = dict(
    checkpoint=dict(interval=5, max_keep_ckpts=1, save_best='auc/auroc'),
    logger=dict(interval=20))

# lr 1e-3 is for one process of 32 windows.
auto_scale_lr = dict(enable=False, base_batch_size=32)
