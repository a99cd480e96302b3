# Intra-operative hypotension prediction: the plain R18 twin of
# nl_r18_res5_1xb32-30e_hypotension.py (the same recipe, no non-local block).
_base_ = [
    '../../_base_/models/r18.py', '../../_base_/datasets/hypotension.py',
    '../../_base_/schedules/adamw_cosine.py',
    '../../_base_/default_runtime.py'
]

# Fixed scaling (x - 80 mmHg) / 40 mmHg and positives weighted 8:1, as the
# non-local twin.
model = dict(
    data_preprocessor=dict(mean=[80.0], std=[40.0]),
    cls_head=dict(
        loss_cls=dict(type='CrossEntropyLoss', class_weight=[1.0, 8.0])))

train_cfg = dict(max_epochs=30)
default_hooks = dict(
    checkpoint=dict(interval=1, max_keep_ckpts=2, save_best='auc/auroc'),
    logger=dict(interval=20))

# Default setting for scaling LR automatically
#   - `enable` means enable scaling LR automatically
#       or not by default.
#   - `base_batch_size` = (1 GPU) x (32 samples per GPU).
auto_scale_lr = dict(enable=False, base_batch_size=32)
