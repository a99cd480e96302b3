# PhysioNet/CinC Challenge 2017, atrial fibrillation (1) vs the rest (0), on
# whole records: single-lead ECG, 9-61 s per record, converted to 100 Hz by
#   python tools/data/cinc2017/convert.py --src RAW_DIR --out data/cinc2017 \
#       --rate 100
# (test = record number % 5 == 0, val = % 10 == 1, train = the rest; the
# converter also writes the four rhythms of each record, train_4cls.txt).
#
# Every record is taken whole (SampleWindows(clip_len=None)), z-scored over
# the record. A batch holds records of different lengths: pad_collate pads
# them to the longest and records each one's valid length, which the model
# masks (a record scores the same alone or in any batch), and in training
# LengthBucketBatchSampler batches records of similar length so padding
# stays small.
data_root = 'data/cinc2017'
sampling_rate = 100  # Hz, the converter's --rate

train_pipeline = [
    dict(type='LoadSignal', num_channels=1),
    dict(type='SampleWindows', clip_len=None),
    dict(type='ZScoreNormalize', mode='window'),
    dict(type='RandomAmplitudeScale', scale_range=(0.8, 1.25)),
    dict(type='GaussianNoise', std=0.05, prob=0.5),
    dict(type='PackSignalInputs')
]
test_pipeline = [
    dict(type='LoadSignal', num_channels=1),
    dict(type='SampleWindows', clip_len=None, test_mode=True),
    dict(type='ZScoreNormalize', mode='window'),
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
    batch_sampler=dict(type='LengthBucketBatchSampler'),
    collate_fn=dict(type='pad_collate'),
    dataset=dict(
        type='SignalDataset',
        ann_file='train.txt',
        num_classes=2,
        pipeline=train_pipeline,
        **records))
val_dataloader = dict(
    batch_size=16,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='pad_collate'),
    dataset=dict(
        type='SignalDataset',
        ann_file='val.txt',
        num_classes=2,
        test_mode=True,
        pipeline=test_pipeline,
        **records))
test_dataloader = dict(
    batch_size=16,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='pad_collate'),
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
