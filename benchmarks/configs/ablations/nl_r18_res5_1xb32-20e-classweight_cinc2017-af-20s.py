# Ablation: the AF-vs-rest CinC config (20-s windows, 20 epochs) with a
# class-weighted loss for the 10 % AF prevalence (weights inverse to the
# training class frequencies: 1893 rest, 207 AF).
_base_ = [
    '../../../configs/nl1d/cinc2017/nl_r18_res5_1xb32-20e_cinc2017-af-20s.py'
]

model = dict(
    cls_head=dict(
        loss_cls=dict(type='CrossEntropyLoss', class_weight=[1.0, 9.1])))
