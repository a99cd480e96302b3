# The depth x position sweep: R34 without a non-local block.
_base_ = ['../../../configs/nl1d/cinc2017/r18_1xb32-20e_cinc2017-af-20s.py']

model = dict(backbone=dict(depth=34))
