# UCR 2018 archive sets (tools/data/ucr/convert.py): fixed-length series,
# one series is one example, the archive's fixed train/test split.
# A dataset config sets `data_root` in the two dataloaders and the head's
# `num_classes` (the lines of classes.txt).
#
# Protocol of the published results (Fawaz et al. 2019): train on the
# archive's whole train split (trainval.txt), no model selection on held-out
# data (the last epoch is tested), accuracy on the test split. No
# validation loop: a 20 % validation split of 23 series says nothing.
#
# Window slicing (Le Guennec et al. 2016): training sees a random 90 % slice
# of each series (clip_len=0.9: e.g. 648 of Computers's 720 samples),
# testing averages the probabilities of five slices spread uniformly over
# the series (the head's average_clips='prob'). Each slice is z-scored, as
# the archive's series are (HouseTwenty, Computers... are raw readings).
train_pipeline = [
    dict(type='LoadSignal'),
    dict(type='SampleWindows', clip_len=0.9),
    dict(type='ZScoreNormalize', mode='window'),
    dict(type='PackSignalInputs')
]
test_pipeline = [
    dict(type='LoadSignal'),
    dict(type='SampleWindows', clip_len=0.9, num_clips=5, test_mode=True),
    dict(type='ZScoreNormalize', mode='window'),
    dict(type='PackSignalInputs')
]

# Batches of 16 series, as the published ResNet; data loading in the main
# process (the series are tiny). num_classes comes from the head.
train_dataloader = dict(
    batch_size=16,
    num_workers=0,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type='SignalDataset',
        ann_file='trainval.txt',
        num_classes=None,
        pipeline=train_pipeline))
val_dataloader = None
val_evaluator = None
test_dataloader = dict(
    batch_size=16,
    num_workers=0,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type='SignalDataset',
        ann_file='test.txt',
        num_classes=None,
        test_mode=True,
        pipeline=test_pipeline))
# One accuracy, with a bootstrap CI: the top class (binary: probability of
# class 1 >= 0.5, i.e. the argmax), as the published numbers; and AUROC.
test_evaluator = [
    dict(type='ThresholdMetric', threshold=0.5, n_bootstrap=1000),
    dict(type='AUCMetric', n_bootstrap=1000)
]
