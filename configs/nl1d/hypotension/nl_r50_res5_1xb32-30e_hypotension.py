_base_ = ['nl_r18_res5_1xb32-30e_hypotension.py']

# R50: bottleneck blocks, 2048 channels after res5.
model = dict(
    backbone=dict(depth=50),
    neck=dict(in_channels=2048),
    cls_head=dict(in_channels=2048))
