# Copyright (c) nl1d contributors. All rights reserved.
from .augment import (BaselineWander, GaussianNoise, RandomAmplitudeScale,
                      RandomMask, RandomTimeShift)
from .formatting import PackSignalInputs
from .loading import LoadSignal
from .normalization import ZScoreNormalize
from .resampling import ResampleSignal
from .sampling import SampleWindows

__all__ = [
    'LoadSignal', 'ResampleSignal', 'SampleWindows', 'ZScoreNormalize',
    'RandomAmplitudeScale', 'GaussianNoise', 'BaselineWander',
    'RandomTimeShift', 'RandomMask', 'PackSignalInputs'
]
