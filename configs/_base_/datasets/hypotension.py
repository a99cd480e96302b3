# Hypotension prediction from arterial pressure: the labelled windows that
# tools/data/hypotension/convert.py writes (one record = one 20-s window of
# arterial pressure at 100 Hz, float32 mmHg; label 1 = a hypotensive event,
# MAP < 65 mmHg for >= 1 min, starts within the horizon after the window).
# Patients never share a split; patients.txt maps each window to its
# patient so the test bootstrap resamples patients.
#
# Only dataset keys here (mmengine forbids a key in two _base_ files): the
# experiment config sets the input scaling and the class weights on the
# model (see configs/nl1d/hypotension/).
dataset_type = 'SignalDataset'
data_root = 'data/hypotension'
ann_file_train = 'train.txt'
ann_file_val = 'val.txt'
ann_file_test = 'test.txt'
group_file = 'data/hypotension/patients.txt'  # record_path patient_id
sampling_rate = 100  # Hz, convert.py --rate
clip_len = 2000  # samples: the whole 20-s window (convert.py --window 20)

# No z-scoring and no amplitude augmentation: absolute pressure (mmHg) is
# what defines hypotension. The model's data preprocessor scales with fixed
# constants instead (mean=[80], std=[40] in the experiment configs).
# Each record is exactly one window, so training, validation and testing
# all take it whole (a second clip would repeat it).
train_pipeline = [
    dict(type='LoadSignal', num_channels=1),
    dict(type='SampleWindows', clip_len=clip_len, num_clips=1),
    dict(type='PackSignalInputs')
]
val_pipeline = [
    dict(type='LoadSignal', num_channels=1),
    dict(type='SampleWindows', clip_len=clip_len, num_clips=1,
         test_mode=True),
    dict(type='PackSignalInputs')
]
test_pipeline = val_pipeline

train_dataloader = dict(
    batch_size=32,
    num_workers=2,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file=ann_file_train,
        data_prefix=dict(signal=''),
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
        ann_file=ann_file_val,
        data_prefix=dict(signal=''),
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
        ann_file=ann_file_test,
        data_prefix=dict(signal=''),
        sampling_rate=sampling_rate,
        num_classes=2,
        pipeline=test_pipeline,
        test_mode=True))

# AUROC/AUPRC (prevalence beside it) and sensitivity/specificity/PPV at the
# threshold chosen on validation (Youden's J, kept by ThresholdHook, frozen
# at test); at test, 95 % CIs from 1000 bootstrap resamples of patients.
val_evaluator = [
    dict(type='AUCMetric'),
    dict(type='ThresholdMetric', select='youden')
]
test_evaluator = [
    dict(type='AUCMetric', n_bootstrap=1000, group_file=group_file),
    dict(
        type='ThresholdMetric',
        frozen=True,
        n_bootstrap=1000,
        group_file=group_file)
]
