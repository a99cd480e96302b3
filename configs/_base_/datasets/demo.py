# The embedded demo data (`python tools/data/demo/generate_demo.py` writes
# data/demo/): 800 / 200 / 200 records of 1 x 2048 samples "at 100 Hz", two
# bursts at least 1000 samples apart, label 1 when they share a frequency.
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

# persistent_workers=False in training: persistent workers keep random state
# that no checkpoint holds, so --resume would not be bit-identical.
records = dict(data_root=data_root, sampling_rate=sampling_rate)
train_dataloader = dict(
    batch_size=32,
    num_workers=2,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type='SignalDataset',
        ann_file='train.txt',
        num_classes=2,
        pipeline=train_pipeline,
        **records))
val_dataloader = dict(
    batch_size=32,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type='SignalDataset',
        ann_file='val.txt',
        num_classes=2,
        test_mode=True,
        pipeline=val_pipeline,
        **records))
test_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type='SignalDataset',
        ann_file='test.txt',
        num_classes=2,
        test_mode=True,
        pipeline=test_pipeline,
        **records))

# AUROC/AUPRC (with the prevalence) and one operating point chosen on
# validation (Youden's J), stored in the checkpoint by ThresholdHook and
# applied unchanged at test, with 1000 bootstrap resamples of records.
val_evaluator = [dict(type='AUCMetric'), dict(type='ThresholdMetric')]
test_evaluator = [
    dict(type='AUCMetric', n_bootstrap=1000),
    dict(type='ThresholdMetric', frozen=True, n_bootstrap=1000)
]
