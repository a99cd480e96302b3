# Ablation: ImageNet's stem (7-wide stride-2 conv + max-pool: x32 overall,
# the 2000-sample series keep 63 positions at res5 instead of 250) on a UCR
# set of 2000-sample series, as the recipe's long ECG windows, instead of
# the no-downsampling stem: a quarter of the FLOPs.
_base_ = ['../ucr/nl_r18_res5_1xb16-500e_ucr-housetwenty.py']

model = dict(backbone=dict(stem_stride=2, stem_pool=True))
