# The paper's 5-block variant (Wang et al. 2018, Table 2c): 2 blocks in res3
# and 3 in res4, after every other residual block, as mmaction2's I3D
# non-local configs place them.
_base_ = ['r50_8xb32_signal.py']

model = dict(
    backbone=dict(
        non_local=((0, 0, 0), (0, 1, 0, 1), (0, 1, 0, 1, 0, 1), (0, 0, 0))))
