# The depth x position sweep: R50 (bottleneck blocks, 2048 channels after
# res5) without a non-local block.
_base_ = ['../../../configs/nl1d/hypotension/r18_1xb32-30e_hypotension.py']

model = dict(backbone=dict(depth=50), cls_head=dict(in_channels=2048))
