_base_ = ['r50_8xb32_signal.py']

# The R34 baseline: basic blocks, 512 channels after res5, no non-local.
model = dict(backbone=dict(depth=34), cls_head=dict(in_channels=512))
