# Ablation: the CinC recipe (20-s windows, trained on the four rhythms) with
# two more training augmentations, for electrode motion and dropouts of a
# handheld recording: baseline wander (up to 0.3 standard deviations,
# 0.05-0.5 Hz) and, on half the windows, one stretch of up to 2 s set to 0.
_base_ = [
    '../../../configs/nl1d/cinc2017/nl_r18_res5_1xb32-20e_cinc2017-rhythms-20s.py'  # noqa: E501
]

train_dataloader = dict(
    dataset=dict(pipeline=[
        dict(type='LoadSignal', num_channels=1),
        dict(type='SampleWindows', clip_len=2000, num_clips=1),
        dict(type='ZScoreNormalize', mode='window'),
        dict(type='RandomAmplitudeScale', scale_range=(0.8, 1.25)),
        dict(type='GaussianNoise', std=0.05, prob=0.5),
        dict(type='BaselineWander', max_amplitude=0.3),
        dict(type='RandomMask', max_len=0.1, prob=0.5),
        dict(type='PackSignalInputs')
    ]))
