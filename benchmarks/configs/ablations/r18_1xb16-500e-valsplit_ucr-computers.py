# Diagnostic (nothing is selected on it): the plain R18 recipe trained on the
# converter's train split (200 of Computers's 250 training series) and
# validated every 10 epochs on its val split (the other 50), to see when
# validation accuracy stops improving. The archive's protocol has no
# validation split (configs/_base_/datasets/ucr.py); this one is carved from
# the training series, so the test split stays untouched.
_base_ = ['../ucr/r18_1xb16-500e_ucr-computers.py']

data_root = 'data/ucr/Computers'
# Validation scores the whole series, as the recipe's testing does.
val_pipeline = [
    dict(type='LoadSignal'),
    dict(type='SampleWindows', clip_len=None, test_mode=True),
    dict(type='ZScoreNormalize', mode='window'),
    dict(type='PackSignalInputs')
]
train_dataloader = dict(dataset=dict(ann_file='train.txt'))
val_dataloader = dict(
    _delete_=True,
    batch_size=16,
    num_workers=0,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type='SignalDataset',
        data_root=data_root,
        ann_file='val.txt',
        num_classes=None,
        test_mode=True,
        pipeline=val_pipeline))
val_evaluator = [  # the base has none: a list replaces it
    dict(type='ThresholdMetric', threshold=0.5),
    dict(type='AUCMetric')
]
val_cfg = dict(_delete_=True, type='ValLoop')
train_cfg = dict(val_interval=10)
