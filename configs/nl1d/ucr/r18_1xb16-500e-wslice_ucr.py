# Window slicing (nl_r18_res5_1xb16-500e-wslice_ucr.py) on the plain R18:
# without the non-local block.
_base_ = ['nl_r18_res5_1xb16-500e-wslice_ucr.py']

model = dict(neck=None)
