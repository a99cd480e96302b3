_base_ = ['nl_r50_res5_8xb32_signal.py']

# R18: basic blocks, 512 channels after res5.
model = dict(
    backbone=dict(depth=18),
    neck=dict(in_channels=512),
    cls_head=dict(in_channels=512))
