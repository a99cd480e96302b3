# CinC 2017 AF vs the rest with 30-s windows (the median record whole;
# shorter records are zero-padded, longer ones give several windows at
# test) instead of the released 20-s windows.
_base_ = ['../../../../configs/_base_/datasets/cinc2017_af.py']

clip_len = 3000
train_pipeline = [
    dict(type='LoadSignal', num_channels=1),
    dict(type='SampleWindows', clip_len=clip_len, num_clips=1),
    dict(type='ZScoreNormalize', mode='window'),
    dict(type='RandomAmplitudeScale', scale_range=(0.8, 1.25)),
    dict(type='GaussianNoise', std=0.05, prob=0.5),
    dict(type='PackSignalInputs')
]
val_pipeline = [
    dict(type='LoadSignal', num_channels=1),
    dict(type='SampleWindows', clip_len=clip_len, test_mode=True),
    dict(type='ZScoreNormalize', mode='window'),
    dict(type='PackSignalInputs')
]
test_pipeline = [
    dict(type='LoadSignal', num_channels=1),
    dict(type='SampleWindows', clip_len=clip_len, num_clips=5,
         test_mode=True),
    dict(type='ZScoreNormalize', mode='window'),
    dict(type='PackSignalInputs')
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=val_pipeline))
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))
