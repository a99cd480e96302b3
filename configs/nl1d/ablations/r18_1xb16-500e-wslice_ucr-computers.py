# Ablation: window slicing (nl_r18_res5_1xb16-500e-wslice_ucr-computers.py)
# on the plain R18 recipe: without the non-local block.
_base_ = ['nl_r18_res5_1xb16-500e-wslice_ucr-computers.py']

model = dict(neck=None)
