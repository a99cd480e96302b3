# Ablation: window slicing on WormsTwoClass without the non-local block, as
# r18_1xb16-500e-wslice_ucr-computers.py.
_base_ = ['nl_r18_res5_1xb16-500e-wslice_ucr-wormstwoclass.py']

model = dict(neck=None)
