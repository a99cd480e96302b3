# The same recipe without the non-local block.
_base_ = ['nl_r18_res5_1xb32-20e_cinc2017-rhythms-20s.py']

model = dict(neck=None)
