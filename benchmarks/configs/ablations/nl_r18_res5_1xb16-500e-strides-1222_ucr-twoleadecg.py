# Ablation: the UCR family's res2-res5 strides (1, 2, 2, 2: x8 overall, the
# 82/136-sample series keep 11/17 positions at res5) on a set of 23 training
# series, instead of no downsampling.
_base_ = ['../ucr/nl_r18_res5_1xb16-500e_ucr-twoleadecg.py']

model = dict(backbone=dict(strides=(1, 2, 2, 2)))
