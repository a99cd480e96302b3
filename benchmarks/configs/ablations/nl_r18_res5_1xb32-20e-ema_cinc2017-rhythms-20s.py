# Ablation: the CinC recipe (20-s windows, trained on the four rhythms)
# validated, selected and tested with an exponential moving average of the
# weights and BN statistics (mmengine's EMAHook; momentum 0.005: a time
# constant of 200 steps, 3 epochs of 66). The checkpoints hold the average.
_base_ = [
    '../../../configs/nl1d/cinc2017/nl_r18_res5_1xb32-20e_cinc2017-rhythms-20s.py'  # noqa: E501
]

custom_hooks = [
    dict(type='SetupEnvHook'),
    dict(type='RNGStateHook'),
    dict(type='ThresholdHook'),
    dict(type='EMAHook', momentum=0.005, update_buffers=True, priority=49),
]
