_base_ = ['nl_r18_res5_8xb32_signal.py']

# PhysioNet/CinC 2017, AF (1) vs the rest (0), single-lead ECG resampled to
# 100 Hz. Prepare with:
#   python tools/data/cinc2017/convert.py --src RAW_DIR --out data/cinc2017 \
#       --rate 100

# dataset settings
data_root = 'data/cinc2017'
ann_file_train = 'data/cinc2017/train.txt'
ann_file_val = 'data/cinc2017/val.txt'
ann_file_test = 'data/cinc2017/test.txt'
sampling_rate = 100  # Hz, the converter's --rate
clip_len = 2000  # 20 s windows; shorter records (9.3 s min) are zero-padded
num_channels = 1

train_pipeline = [
    dict(type='LoadSignal', num_channels=num_channels),
    dict(type='SampleWindows', clip_len=clip_len, num_clips=1),
    dict(type='ZScoreNormalize', mode='window'),
    dict(type='RandomAmplitudeScale', scale_range=(0.8, 1.25)),
    dict(type='BaselineWander', max_amplitude=0.2, prob=0.5),
    dict(type='GaussianNoise', std=0.05, prob=0.5),
    dict(type='RandomMask', max_len=0.05, prob=0.5),
    dict(type='PackSignalInputs')
]
val_pipeline = [
    dict(type='LoadSignal', num_channels=num_channels),
    dict(type='SampleWindows', clip_len=clip_len, num_clips=1,
         test_mode=True),
    dict(type='ZScoreNormalize', mode='window'),
    dict(type='PackSignalInputs')
]
test_pipeline = [
    dict(type='LoadSignal', num_channels=num_channels),
    dict(type='SampleWindows', clip_len=clip_len, num_clips=5,
         test_mode=True),
    dict(type='ZScoreNormalize', mode='window'),
    dict(type='PackSignalInputs')
]

train_dataloader = dict(
    dataset=dict(
        ann_file=ann_file_train,
        data_prefix=dict(signal=data_root),
        sampling_rate=sampling_rate,
        pipeline=train_pipeline))
val_dataloader = dict(
    dataset=dict(
        ann_file=ann_file_val,
        data_prefix=dict(signal=data_root),
        sampling_rate=sampling_rate,
        pipeline=val_pipeline))
test_dataloader = dict(
    dataset=dict(
        ann_file=ann_file_test,
        data_prefix=dict(signal=data_root),
        sampling_rate=sampling_rate,
        pipeline=test_pipeline))
