# The R34 baseline: r18_8xb32_signal.py with 34 layers (basic blocks, 512
# channels after res5), no non-local block.
_base_ = ['r18_8xb32_signal.py']

model = dict(backbone=dict(depth=34))
