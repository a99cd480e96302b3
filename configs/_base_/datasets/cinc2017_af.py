# PhysioNet/CinC 2017, atrial fibrillation (1) vs the rest (0): single-lead
# ECG, 9-61 s per record, converted to 100 Hz by
#   python tools/data/cinc2017/convert.py --src RAW_DIR --out data/cinc2017 \
#       --rate 100
# (test = record number % 5 == 0, val = % 10 == 1, train = the rest).
_base_ = ['signal_records.py']

data_root = 'data/cinc2017'
sampling_rate = 100  # Hz, the converter's --rate
# 30-s windows: the median record whole (shorter records are zero-padded,
# longer ones give several windows at test).
clip_len = 3000

# Per-window z-score: lead amplitude differs from device to device.
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
# Multi-clip testing: 5 windows per record, probabilities averaged.
test_pipeline = [
    dict(type='LoadSignal', num_channels=1),
    dict(type='SampleWindows', clip_len=clip_len, num_clips=5,
         test_mode=True),
    dict(type='ZScoreNormalize', mode='window'),
    dict(type='PackSignalInputs')
]

records = dict(data_root=data_root, sampling_rate=sampling_rate)
train_dataloader = dict(dataset=dict(pipeline=train_pipeline, **records))
val_dataloader = dict(dataset=dict(pipeline=val_pipeline, **records))
test_dataloader = dict(dataset=dict(pipeline=test_pipeline, **records))
