# Ablation: the same as
# nl_r18_res5_1xb16-500e-imagenet-stem_ucr-pigartpressure.py without the
# non-local block.
_base_ = ['nl_r18_res5_1xb16-500e-imagenet-stem_ucr-pigartpressure.py']

model = dict(neck=None)
