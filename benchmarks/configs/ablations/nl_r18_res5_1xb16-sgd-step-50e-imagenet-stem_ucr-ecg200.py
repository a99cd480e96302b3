# Ablation: the non-local paper's recipe on UCR ecg200 (what nl1d shipped
# before the signal recipe): SGD (momentum 0.9, weight decay 1e-4) at the
# 8xb32 configs' lr 0.04 on one process of 16, step decay at epochs 30 and
# 40 of 50, and the ImageNet stem (x4 downsampling before res2). Same data,
# protocol (whole train split, last epoch) and model otherwise.
_base_ = ['../ucr/nl_r18_res5_1xb16-500e_ucr-ecg200.py']

model = dict(backbone=dict(stem_stride=2, stem_pool=True))
train_cfg = dict(max_epochs=50)
param_scheduler = [
    dict(type='MultiStepLR', by_epoch=True, milestones=[30, 40], gamma=0.1)
]
optim_wrapper = dict(
    optimizer=dict(
        _delete_=True, type='SGD', lr=0.04, momentum=0.9, weight_decay=1e-4),
    clip_grad=dict(max_norm=40, norm_type=2))
