# The plain R18 recipe without window slicing (whole series, as the
# published ResNet's protocol); the pipelines of nl_r18_res5_1xb16-500e_ucr.py.
_base_ = ['../../../configs/nl1d/ucr/r18_1xb16-500e-wslice_ucr.py']

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
