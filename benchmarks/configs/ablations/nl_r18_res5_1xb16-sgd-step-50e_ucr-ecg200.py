# Ablation: the paper's recipe (see nl_r18_res5_1xb16-sgd-step-50e-imagenet-
# stem_ucr-ecg200.py) with the signal recipe's stem (no downsampling).
_base_ = ['nl_r18_res5_1xb16-sgd-step-50e-imagenet-stem_ucr-ecg200.py']

model = dict(backbone=dict(stem_stride=1, stem_pool=False))
