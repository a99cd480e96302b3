# Copyright (c) nl1d contributors. All rights reserved.
# AtomicCheckpointHook lives with the rest of the checkpoint code
# (nl1d.checkpoint.hook); it is importable from here as before.
from nl1d.checkpoint.hook import AtomicCheckpointHook
from .progress_bar_hook import ProgressBarHook
from .rng_state_hook import RNGStateHook
from .setup_env_hook import SetupEnvHook
from .threshold_hook import (ThresholdHook, describe_entry, stored_thresholds,
                             threshold_metrics)

__all__ = [
    'AtomicCheckpointHook', 'ProgressBarHook', 'RNGStateHook',
    'SetupEnvHook', 'ThresholdHook', 'describe_entry', 'stored_thresholds',
    'threshold_metrics'
]
