# The same recipe without the non-local block.
_base_ = ['nl_r18_res5_1xb64-30e_apnea-ecg-rr.py']

model = dict(neck=None)
