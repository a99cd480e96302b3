# The depth x position sweep: R50 (bottleneck blocks, 2048 channels after
# res5) without a non-local block.
_base_ = ['../../../configs/nl1d/cinc2017/r18_1xb32-20e_cinc2017-af-20s.py']

model = dict(backbone=dict(depth=50), cls_head=dict(in_channels=2048))
