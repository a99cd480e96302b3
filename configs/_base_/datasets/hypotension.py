# Intra-operative hypotension prediction from arterial pressure (MAIC 2020 /
# VitalDB style): the labelled windows that tools/data/hypotension/convert.py
# writes (one record = one 20-s window of arterial pressure at 100 Hz,
# float32 mmHg; label 1 = a hypotensive event, MAP < 65 mmHg for >= 1 min,
# starts within the horizon after the window). Patients never share a
# split; patients.txt maps each window to its patient so the test bootstrap
# resamples patients.
#
# Only dataset keys here (mmengine forbids a key in two _base_ files): the
# experiment config sets the input scaling and the class weights on the
# model (see configs/nl1d/hypotension/).
data_root = 'data/hypotension'
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

# persistent_workers=False in training: persistent workers keep random state
# that no checkpoint holds, so --resume would not be bit-identical.
records = dict(
    data_root=data_root,
    data_prefix=dict(signal=''),
    sampling_rate=sampling_rate)
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
