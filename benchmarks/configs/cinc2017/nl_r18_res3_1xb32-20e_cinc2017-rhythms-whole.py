# Block placement on whole records: one non-local block in res3 (layer2), after
# the stage's first residual block (Wang et al. 2018, Table 2b), instead of
# the released recipe's block after res5. The whole-record recipe and block
# settings of configs/nl1d/cinc2017/r18_1xb32-20e_cinc2017-rhythms-whole.py;
# compared on the validation split only.
_base_ = [
    '../../../configs/nl1d/cinc2017/r18_1xb32-20e_cinc2017-rhythms-whole.py'
]

model = dict(backbone=dict(non_local=(0, (1, 0), 0, 0)))
