_base_ = ['r50_8xb32_signal.py']

# The R18 baseline: basic blocks, 512 channels after res5, no non-local.
model = dict(backbone=dict(depth=18), cls_head=dict(in_channels=512))
