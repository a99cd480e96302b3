# PhysioNet/CinC 2017, atrial fibrillation (1) vs the rest (0): single-lead
# ECG, 9-61 s per record, converted to 100 Hz by
#   python tools/data/cinc2017/convert.py --src RAW_DIR --out data/cinc2017 \
#       --rate 100
# (test = record number % 5 == 0, val = % 10 == 1, train = the rest).
dataset_type = 'SignalDataset'
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
    dict(type='SampleWindows', clip_len=clip_len, num_clips=1,
         test_mode=True),
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

train_dataloader = dict(
    batch_size=32,
    num_workers=2,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='train.txt',
        sampling_rate=sampling_rate,
        num_classes=2,
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=32,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='val.txt',
        sampling_rate=sampling_rate,
        num_classes=2,
        pipeline=val_pipeline,
        test_mode=True))
test_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='test.txt',
        sampling_rate=sampling_rate,
        num_classes=2,
        pipeline=test_pipeline,
        test_mode=True))

# AUROC/AUPRC (with the prevalence) and the operating point chosen on
# validation (Youden's J), stored in the checkpoint and applied unchanged at
# test; record-level bootstrap CIs at test. One accuracy: at that threshold.
val_evaluator = [dict(type='AUCMetric'), dict(type='ThresholdMetric')]
test_evaluator = [
    dict(type='AUCMetric', n_bootstrap=1000),
    dict(type='ThresholdMetric', frozen=True, n_bootstrap=1000)
]
