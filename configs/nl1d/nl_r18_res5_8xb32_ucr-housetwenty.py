_base_ = ['nl_r18_res5_8xb32_signal.py']

# UCR 2018 HouseTwenty: household electricity (REFIT, one value every 8 s),
# 2000 samples per series, 2 classes. Prepare with:
#   python tools/data/ucr/convert.py --src UCR_ARCHIVE_ROOT \
#       --dataset HouseTwenty --out data/ucr/HouseTwenty
# Each series is one window (clip_len = its length), so the test takes one
# clip. The series are raw watts: each window is z-scored.

# dataset settings
data_root = 'data/ucr/HouseTwenty'
ann_file_train = 'data/ucr/HouseTwenty/train.txt'
ann_file_val = 'data/ucr/HouseTwenty/val.txt'
ann_file_test = 'data/ucr/HouseTwenty/test.txt'
sampling_rate = 0.125  # Hz (one sample every 8 s)
clip_len = 2000
num_channels = 1

train_pipeline = [
    dict(type='LoadSignal', num_channels=num_channels),
    dict(type='SampleWindows', clip_len=clip_len, num_clips=1),
    dict(type='ZScoreNormalize', mode='window'),
    dict(type='RandomAmplitudeScale', scale_range=(0.9, 1.1)),
    dict(type='RandomTimeShift', max_shift=0.1, mode='roll'),
    dict(type='GaussianNoise', std=0.05, prob=0.5),
    dict(type='PackSignalInputs')
]
val_pipeline = [
    dict(type='LoadSignal', num_channels=num_channels),
    dict(type='SampleWindows', clip_len=clip_len, num_clips=1,
         test_mode=True),
    dict(type='ZScoreNormalize', mode='window'),
    dict(type='PackSignalInputs')
]
test_pipeline = val_pipeline

train_dataloader = dict(
    batch_size=16,  # 32 training series: two iterations per epoch
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
