# Copyright (c) nl1d contributors. All rights reserved.
from .collate import pad_collate
from .samplers import LengthBucketBatchSampler, record_durations
from .signal_dataset import SignalDataset
from .transforms import (BaselineWander, GaussianNoise, LoadSignal,
                         PackSignalInputs, RandomAmplitudeScale, RandomMask,
                         RandomTimeShift, ResampleSignal, SampleWindows,
                         ZScoreNormalize)

__all__ = [
    'SignalDataset', 'LoadSignal', 'ResampleSignal', 'SampleWindows',
    'ZScoreNormalize', 'RandomAmplitudeScale', 'GaussianNoise',
    'BaselineWander', 'RandomTimeShift', 'RandomMask', 'PackSignalInputs',
    'pad_collate', 'LengthBucketBatchSampler', 'record_durations'
]
