_base_ = ['nl_r18_res5_1xb32-30e_hypotension.py']

# R34: basic blocks, 512 channels after res5.
model = dict(backbone=dict(depth=34))
