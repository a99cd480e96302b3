# What every SignalDataset-based family shares: train/val/test dataloaders
# over `train.txt` / `val.txt` / `test.txt` below the family's `data_root`
# (relative paths in the annotation files are joined to it), and the
# evaluators of a binary task: AUROC/AUPRC (with the prevalence) and one
# operating point chosen on validation (Youden's J), stored in the
# checkpoint by ThresholdHook and applied unchanged at test, with 1000
# bootstrap resamples of records at test. A family base inherits this file
# and sets `data_root`, `sampling_rate` and the pipelines in the three
# dataloaders (see cinc2017_af.py).
#
# persistent_workers=False in training: persistent workers keep random state
# that no checkpoint can hold, so --resume would not be bit-identical.
train_dataloader = dict(
    batch_size=32,
    num_workers=2,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type='SignalDataset', ann_file='train.txt', num_classes=2))
val_dataloader = dict(
    batch_size=32,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type='SignalDataset', ann_file='val.txt', num_classes=2,
        test_mode=True))
# batch 1: records of different lengths give different numbers of windows
test_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type='SignalDataset', ann_file='test.txt', num_classes=2,
        test_mode=True))

val_evaluator = [dict(type='AUCMetric'), dict(type='ThresholdMetric')]
test_evaluator = [
    dict(type='AUCMetric', n_bootstrap=1000),
    dict(type='ThresholdMetric', frozen=True, n_bootstrap=1000)
]
