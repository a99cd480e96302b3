# R18 deflated to 1D, no non-local block: basic blocks, 512 channels at res5.
_base_ = ['r50.py']

model = dict(backbone=dict(depth=18), cls_head=dict(in_channels=512))
