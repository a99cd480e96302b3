# Ablation: the CinC recipe (20-s windows, trained on the four rhythms)
# trained for 40 epochs instead of 20.
_base_ = [
    '../../../configs/nl1d/cinc2017/nl_r18_res5_1xb32-20e_cinc2017-rhythms-20s.py'  # noqa: E501
]

train_cfg = dict(max_epochs=40)
