# Intra-operative hypotension prediction (MAIC 2020 / VitalDB style): a
# non-local R18 (one embedded-gaussian block after res5) predicting
# hypotension (MAP < 65 mmHg for >= 1 min) within 5 minutes from 20 s of
# arterial pressure at 100 Hz (tools/data/hypotension/).
_base_ = [
    '../../_base_/models/nl_r18_res5.py',
    '../../_base_/datasets/hypotension.py',
    '../../_base_/schedules/adamw_cosine.py',
    '../../_base_/default_runtime.py'
]

model = dict(
    # Fixed scaling (x - 80 mmHg) / 40 mmHg, the same for every window:
    # absolute pressure stays visible to the network (a per-window z-score
    # would erase it, and MAP alone is a strong predictor).
    data_preprocessor=dict(mean=[80.0], std=[40.0]),
    cls_head=dict(
        # About 1 positive window in 9 (convert.py prints the training
        # split's negatives / positives): weight the positives accordingly.
        loss_cls=dict(type='CrossEntropyLoss', class_weight=[1.0, 8.0])))

# 30 epochs: each epoch of thousands of windows already makes hundreds of
# steps (the cosine decay ends with training, whatever its length).
train_cfg = dict(max_epochs=30)

# Keep the checkpoint with the best validation AUROC (its Youden threshold
# is stored by ThresholdHook, from default_runtime.py, and frozen at test).
default_hooks = dict(
    checkpoint=dict(interval=1, max_keep_ckpts=2, save_best='auc/auroc'),
    logger=dict(interval=20))

# Default setting for scaling LR automatically
#   - `enable` means enable scaling LR automatically
#       or not by default.
#   - `base_batch_size` = (1 GPU) x (32 samples per GPU).
auto_scale_lr = dict(enable=False, base_batch_size=32)
