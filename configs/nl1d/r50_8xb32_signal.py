_base_ = ['nl_r50_res5_8xb32_signal.py']

# The baseline: the same R50 without the non-local block.
model = dict(neck=None)
