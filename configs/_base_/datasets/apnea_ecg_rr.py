# PhysioNet Apnea-ECG (CinC 2000), apnea (1) vs normal (0) for each minute,
# from the RR-interval series of the .qrs beat annotations: the minute with
# 2 minutes of context on each side, at 4 Hz (1200 samples, RR in seconds).
#   python tools/data/apnea_ecg/convert.py --src RAW_DIR \
#       --out data/apnea_ecg_rr --signal rr
# Train on 28 learning records, validate on 7 (by record), test on the
# challenge's withheld x01-x35. The metrics: per-minute accuracy (the
# challenge's metric) and sensitivity/specificity at the classifier's
# decision (arg-max: threshold 0.5, as the published per-minute results),
# AUROC/AUPRC; the test CIs resample minutes. `ThresholdMetric(select=
# 'accuracy')` would choose a threshold for accuracy on validation instead.
data_root = 'data/apnea_ecg_rr'
sampling_rate = 4  # Hz, the converter's --rr-rate

# Each record is one 5-minute sample, taken whole. No z-scoring: the level
# of the heart rate matters; the model's data preprocessor scales RR with
# fixed constants (experiment configs).
train_pipeline = [
    dict(type='LoadSignal', num_channels=1),
    dict(type='SampleWindows', clip_len=None),
    dict(type='RandomAmplitudeScale', scale_range=(0.9, 1.1)),
    dict(type='GaussianNoise', std=0.01, prob=0.5),
    dict(type='PackSignalInputs')
]
test_pipeline = [
    dict(type='LoadSignal', num_channels=1),
    dict(type='SampleWindows', clip_len=None, test_mode=True),
    dict(type='PackSignalInputs')
]

# persistent_workers=False in training: persistent workers keep random state
# that no checkpoint holds, so --resume would not be bit-identical.
records = dict(data_root=data_root, sampling_rate=sampling_rate)
train_dataloader = dict(
    batch_size=64,
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
    batch_size=64,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type='SignalDataset',
        ann_file='val.txt',
        num_classes=2,
        test_mode=True,
        pipeline=test_pipeline,
        **records))
test_dataloader = dict(
    batch_size=64,
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

val_evaluator = [
    dict(type='AUCMetric'),
    dict(type='ThresholdMetric', threshold=0.5)
]
test_evaluator = [
    dict(type='AUCMetric', n_bootstrap=1000),
    dict(type='ThresholdMetric', threshold=0.5, n_bootstrap=1000)
]
