# The embedded demo data (`python tools/data/demo/generate_demo.py` writes
# data/demo/): 800 / 200 / 200 records of 1 x 2048 samples "at 100 Hz", two
# bursts at least 1000 samples apart, label 1 when they share a frequency.
_base_ = ['signal_records.py']

data_root = 'data/demo'
sampling_rate = 100  # Hz
clip_len = 2000  # samples per window: 20 s at 100 Hz

train_pipeline = [
    dict(type='LoadSignal'),
    dict(type='SampleWindows', clip_len=clip_len, num_clips=1),
    dict(type='PackSignalInputs')
]
val_pipeline = [
    dict(type='LoadSignal'),
    dict(type='SampleWindows', clip_len=clip_len, num_clips=1,
         test_mode=True),
    dict(type='PackSignalInputs')
]
# Multi-clip testing: 5 windows per record, scores averaged by the head
# (average_clips='prob').
test_pipeline = [
    dict(type='LoadSignal'),
    dict(type='SampleWindows', clip_len=clip_len, num_clips=5,
         test_mode=True),
    dict(type='PackSignalInputs')
]

records = dict(data_root=data_root, sampling_rate=sampling_rate)
train_dataloader = dict(dataset=dict(pipeline=train_pipeline, **records))
val_dataloader = dict(dataset=dict(pipeline=val_pipeline, **records))
test_dataloader = dict(dataset=dict(pipeline=test_pipeline, **records))
