# Block placement on whole records: the paper's res3 + res4 placement (Wang
# et al. 2018, 5 blocks in a ResNet-50: after every other residual block of
# res3 and res4). R18 has two residual blocks in each of these stages, so
# every one of them gets a block: 4 blocks. The whole-record recipe and block
# settings of configs/nl1d/cinc2017/r18_1xb32-20e_cinc2017-rhythms-whole.py;
# compared on the validation split only.
_base_ = [
    '../../../configs/nl1d/cinc2017/r18_1xb32-20e_cinc2017-rhythms-whole.py'
]

model = dict(backbone=dict(non_local=(0, (1, 1), (1, 1), 0)))
