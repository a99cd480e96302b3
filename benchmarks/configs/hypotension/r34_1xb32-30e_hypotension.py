# The depth x position sweep: R34 without a non-local block.
_base_ = ['../../../configs/nl1d/hypotension/r18_1xb32-30e_hypotension.py']

model = dict(backbone=dict(depth=34))
