# R18 deflated to 1D, one non-local block (embedded gaussian) after res5:
# the hypotension-prediction design.
_base_ = ['nl_r50_res5.py']

model = dict(
    backbone=dict(depth=18),
    neck=dict(in_channels=512),
    cls_head=dict(in_channels=512))
