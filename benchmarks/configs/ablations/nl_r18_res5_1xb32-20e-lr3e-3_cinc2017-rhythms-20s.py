# Ablation: the CinC recipe (20-s windows, trained on the four rhythms) with
# AdamW's lr 3e-3 instead of 1e-3.
_base_ = [
    '../../../configs/nl1d/cinc2017/nl_r18_res5_1xb32-20e_cinc2017-rhythms-20s.py'  # noqa: E501
]

optim_wrapper = dict(optimizer=dict(lr=3e-3))
