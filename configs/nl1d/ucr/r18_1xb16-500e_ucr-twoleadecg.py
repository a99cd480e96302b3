# The same recipe without the non-local block.
_base_ = ['nl_r18_res5_1xb16-500e_ucr-twoleadecg.py']

model = dict(neck=None)
