# Ablation: the CinC recipe (20-s windows, trained on the four rhythms) with
# a stride-1 stem (the max-pool kept): x16 downsampling overall instead of
# ImageNet's x32, so res2 sees the ECG at 50 Hz instead of 25 Hz (P waves
# and fibrillatory waves are 5-10 Hz) and the block 125 res5 positions
# instead of 63, at about twice the FLOPs.
_base_ = [
    '../../../configs/nl1d/cinc2017/nl_r18_res5_1xb32-20e_cinc2017-rhythms-20s.py'  # noqa: E501
]

model = dict(backbone=dict(stem_stride=1))
