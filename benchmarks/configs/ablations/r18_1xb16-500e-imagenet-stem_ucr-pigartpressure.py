# Ablation: ImageNet's stem (x32 overall) instead of the no-downsampling
# stem, on the plain R18 (as nl_r18_res5_1xb16-500e-imagenet-stem_ucr-
# pigartpressure.py on the non-local one).
_base_ = ['../ucr/r18_1xb16-500e_ucr-pigartpressure.py']

model = dict(backbone=dict(stem_stride=2, stem_pool=True))
