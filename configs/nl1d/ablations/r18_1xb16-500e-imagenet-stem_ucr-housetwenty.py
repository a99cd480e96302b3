# Ablation: the same as nl_r18_res5_1xb16-500e-imagenet-stem_ucr-housetwenty.py
# without the non-local block.
_base_ = ['nl_r18_res5_1xb16-500e-imagenet-stem_ucr-housetwenty.py']

model = dict(neck=None)
