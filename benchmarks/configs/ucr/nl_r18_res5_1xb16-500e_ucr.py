# The UCR recipe without window slicing: each series whole in training and
# at test, as the published ResNet's protocol (whole series, no
# augmentation). Otherwise configs/nl1d/ucr/nl_r18_res5_1xb16-500e-wslice_ucr.py.
_base_ = ['../../../configs/nl1d/ucr/nl_r18_res5_1xb16-500e-wslice_ucr.py']

train_pipeline = [
    dict(type='LoadSignal'),
    dict(type='SampleWindows', clip_len=None),
    dict(type='ZScoreNormalize', mode='window'),
    dict(type='PackSignalInputs')
]
test_pipeline = [
    dict(type='LoadSignal'),
    dict(type='SampleWindows', clip_len=None, test_mode=True),
    dict(type='ZScoreNormalize', mode='window'),
    dict(type='PackSignalInputs')
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))
