# Apnea-ECG per-minute apnea from RR intervals: the plain R18 twin of
# nl_r18_res5_1xb64-30e_apnea-ecg-rr.py (the same recipe, no non-local
# block).
_base_ = [
    '../../_base_/models/r18.py', '../../_base_/datasets/apnea_ecg_rr.py',
    '../../_base_/schedules/adamw_cosine.py',
    '../../_base_/default_runtime.py'
]

# RR intervals in seconds, scaled with fixed constants (the training set's
# mean and std) so that the heart-rate level is kept.
model = dict(data_preprocessor=dict(mean=[0.94], std=[0.18]))

train_cfg = dict(max_epochs=30)
default_hooks = dict(
    checkpoint=dict(interval=5, max_keep_ckpts=1, save_best='auc/auroc'),
    logger=dict(interval=50))

# lr 1e-3 is for one process of 64 windows.
auto_scale_lr = dict(enable=False, base_batch_size=64)
