# Ablation: the signal recipe with 20-s windows (2000 samples at 100 Hz, the
# hypotension-prediction design) instead of 30-s ones.
_base_ = ['../cinc2017/nl_r18_res5_1xb32-40e_cinc2017-af.py']

clip_len = 2000
train_dataloader = dict(
    dataset=dict(pipeline=[
        dict(type='LoadSignal', num_channels=1),
        dict(type='SampleWindows', clip_len=clip_len, num_clips=1),
        dict(type='ZScoreNormalize', mode='window'),
        dict(type='RandomAmplitudeScale', scale_range=(0.8, 1.25)),
        dict(type='GaussianNoise', std=0.05, prob=0.5),
        dict(type='PackSignalInputs')
    ]))
val_dataloader = dict(
    dataset=dict(pipeline=[
        dict(type='LoadSignal', num_channels=1),
        dict(type='SampleWindows', clip_len=clip_len, test_mode=True),
        dict(type='ZScoreNormalize', mode='window'),
        dict(type='PackSignalInputs')
    ]))
test_dataloader = dict(
    dataset=dict(pipeline=[
        dict(type='LoadSignal', num_channels=1),
        dict(type='SampleWindows', clip_len=clip_len, num_clips=5,
             test_mode=True),
        dict(type='ZScoreNormalize', mode='window'),
        dict(type='PackSignalInputs')
    ]))
