# The seed's design on CinC 2017 AF vs rest: 20-s windows at 100 Hz (2000
# samples, as the hypotension-prediction project) and 20 epochs, the base of
# the depth x non-local-position table (configs/nl1d/README.md): 15 runs
# that must fit a 2-core CPU. Otherwise the recipe of
# nl_r18_res5_1xb32-40e_cinc2017-af.py.
_base_ = ['nl_r18_res5_1xb32-40e_cinc2017-af.py']

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
train_cfg = dict(max_epochs=20)
