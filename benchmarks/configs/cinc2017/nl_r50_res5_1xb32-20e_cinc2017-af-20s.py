# The depth x position sweep: R50 with the non-local block after res5.
_base_ = ['../../../configs/nl1d/cinc2017/nl_r18_res5_1xb32-20e_cinc2017-af-20s.py']

model = dict(
    backbone=dict(depth=50),
    neck=dict(in_channels=2048),
    cls_head=dict(in_channels=2048))
