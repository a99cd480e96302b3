_base_ = ['nl_r34_res5_1xb32-30e_hypotension.py']

# The R34 baseline: the same recipe without the non-local block.
model = dict(neck=None)
