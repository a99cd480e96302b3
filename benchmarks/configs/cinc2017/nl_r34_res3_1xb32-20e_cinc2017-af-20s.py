# One non-local block in res3 (layer2), right before the stage's last
# residual block (Wang et al. 2018, Table 2b), with the res5 neck's block
# settings (configs/nl1d/cinc2017/r18_1xb32-20e_cinc2017-af-20s.py).
_base_ = ['r34_1xb32-20e_cinc2017-af-20s.py']

model = dict(backbone=dict(non_local=(0, (0, 0, 1, 0), 0, 0)))
