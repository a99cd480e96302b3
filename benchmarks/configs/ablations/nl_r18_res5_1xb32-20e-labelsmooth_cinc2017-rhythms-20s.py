# Ablation: the CinC recipe (20-s windows, trained on the four rhythms) with
# label smoothing 0.1 (mmaction2's BaseHead `label_smooth_eps`): the
# challenge's labels are one annotator's call on short noisy recordings.
_base_ = [
    '../../../configs/nl1d/cinc2017/nl_r18_res5_1xb32-20e_cinc2017-rhythms-20s.py'  # noqa: E501
]

model = dict(cls_head=dict(label_smooth_eps=0.1))
