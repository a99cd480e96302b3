# Diagnostic (nothing is selected on the test split): window slicing
# (configs/nl1d/ucr/r18_1xb16-500e-wslice_ucr-computers.py) trained on the
# converter's train split and validated every 10 epochs on its val split,
# beside the whole-series r18_1xb16-500e-valsplit_ucr-computers.py.
_base_ = ['r18_1xb16-500e-valsplit_ucr-computers.py']

# The pipelines are named as the slicing recipe's, so a dumped config shows
# the ones that run; validation scores five slices, as testing does.
train_pipeline = [
    dict(type='LoadSignal'),
    dict(type='SampleWindows', clip_len=0.9),
    dict(type='ZScoreNormalize', mode='window'),
    dict(type='PackSignalInputs')
]
test_pipeline = [
    dict(type='LoadSignal'),
    dict(type='SampleWindows', clip_len=0.9, num_clips=5, test_mode=True),
    dict(type='ZScoreNormalize', mode='window'),
    dict(type='PackSignalInputs')
]
val_pipeline = test_pipeline
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=val_pipeline))
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))
