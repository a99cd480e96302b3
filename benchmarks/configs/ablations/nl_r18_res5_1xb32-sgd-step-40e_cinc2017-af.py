# Ablation: the non-local paper's recipe on CinC 2017 AF (what nl1d shipped
# before the signal recipe): SGD (momentum 0.9, weight decay 1e-4) at the
# 8xb32 configs' lr 0.04 on one process of 32, step decay at epochs 24 and
# 32 of 40 (the 30/40-of-50 milestones scaled). Same data, windows, model
# and checkpoint selection otherwise.
_base_ = ['../cinc2017/nl_r18_res5_1xb32-40e_cinc2017-af.py']

param_scheduler = [
    dict(
        type='MultiStepLR',
        begin=0,
        end=40,
        by_epoch=True,
        milestones=[24, 32],
        gamma=0.1)
]
optim_wrapper = dict(
    optimizer=dict(
        _delete_=True, type='SGD', lr=0.04, momentum=0.9, weight_decay=1e-4),
    clip_grad=dict(max_norm=40, norm_type=2))
