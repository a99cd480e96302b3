# Copyright (c) nl1d contributors. All rights reserved.
from .atomic_checkpoint_hook import AtomicCheckpointHook
from .rng_state_hook import RNGStateHook
from .threshold_hook import (ThresholdHook, describe_entry, stored_thresholds,
                             threshold_metrics)

__all__ = [
    'AtomicCheckpointHook', 'RNGStateHook', 'ThresholdHook', 'describe_entry',
    'stored_thresholds', 'threshold_metrics'
]
