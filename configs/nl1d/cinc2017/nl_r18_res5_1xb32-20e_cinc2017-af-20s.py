# CinC 2017, atrial fibrillation vs the rest: a non-local R18 (one block
# after res5) on 20-s windows at 100 Hz (../../_base_/datasets/cinc2017_af.py),
# AdamW + cosine for 20 epochs, the checkpoint with the best validation AUROC
# tested with 5 windows per record.
_base_ = [
    '../../_base_/models/nl_r18_res5.py',
    '../../_base_/datasets/cinc2017_af.py',
    '../../_base_/schedules/adamw_cosine.py',
    '../../_base_/default_runtime.py'
]

# Blocks placed inside the backbone (`non_local`, e.g. the depth x position
# sweep of benchmarks/) get the res5 neck's settings: embedded gaussian,
# scaled, theta/phi/g std 0.1, BN after W_z zero-initialised, no
# sub-sampling. Inert until a config sets `non_local`.
model = dict(
    backbone=dict(
        non_local_cfg=dict(
            _delete_=True,
            mode='embedded_gaussian',
            use_scale=True,
            std=0.1,
            norm_cfg=dict(type='BN1d', requires_grad=True))))

train_cfg = dict(max_epochs=20)
default_hooks = dict(
    checkpoint=dict(interval=5, max_keep_ckpts=1, save_best='auc/auroc'),
    logger=dict(interval=20))

# lr 1e-3 is for one process of 32 windows.
auto_scale_lr = dict(enable=False, base_batch_size=32)
