# The embedded demo data (`python tools/data/demo/generate_demo.py` writes
# data/demo/): 800 / 200 / 200 records of 1 x 2048 samples "at 100 Hz", two
# bursts at least 1000 samples apart, label 1 when they share a frequency.
dataset_type = 'SignalDataset'
data_root = 'data/demo'
ann_file_train = 'data/demo/train.txt'
ann_file_val = 'data/demo/val.txt'
ann_file_test = 'data/demo/test.txt'
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

# persistent_workers=False for training: persistent workers keep random
# state that no checkpoint can hold, so --resume would not be bit-identical.
train_dataloader = dict(
    batch_size=32,
    num_workers=2,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        ann_file=ann_file_train,
        data_prefix=dict(signal=data_root),
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
        ann_file=ann_file_val,
        data_prefix=dict(signal=data_root),
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
        ann_file=ann_file_test,
        data_prefix=dict(signal=data_root),
        sampling_rate=sampling_rate,
        num_classes=2,
        pipeline=test_pipeline,
        test_mode=True))

# AUROC/AUPRC; sensitivity/specificity/PPV/F1 and one accuracy at a
# threshold chosen on validation (Youden's J), stored in the checkpoint by
# ThresholdHook and applied unchanged at test; record-level bootstrap CIs at
# test.
val_evaluator = [dict(type='AUCMetric'), dict(type='ThresholdMetric')]
test_evaluator = [
    dict(type='AUCMetric', n_bootstrap=1000),
    dict(type='ThresholdMetric', frozen=True, n_bootstrap=1000)
]
