# R34 with one non-local block after res5: nl_r18_res5_8xb32_signal.py with
# 34 layers (basic blocks, 512 channels after res5).
_base_ = ['nl_r18_res5_8xb32_signal.py']

model = dict(backbone=dict(depth=34))
