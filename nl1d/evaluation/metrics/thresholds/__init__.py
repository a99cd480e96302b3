# Copyright (c) nl1d contributors. All rights reserved.
"""Decision thresholds, in one place: choosing one on validation scores
(:mod:`.selection`), the metrics at it (:mod:`.metric`) and the entries
frozen into checkpoints (:mod:`.stored`). The engine's ``ThresholdHook``,
the inference API and the analysis tools import them from here."""
from .metric import (ThresholdMetric, binary_operating_point,
                     multiclass_operating_point)
from .selection import (SELECTION_METHODS, check_selection,
                        describe_selection, select_threshold)
from .stored import (CHECKPOINT_KEY, ENTRY_FIELDS, describe_entry,
                     stored_thresholds, threshold_metrics)

__all__ = [
    'ThresholdMetric', 'binary_operating_point', 'multiclass_operating_point',
    'SELECTION_METHODS', 'check_selection', 'describe_selection',
    'select_threshold', 'CHECKPOINT_KEY', 'ENTRY_FIELDS', 'describe_entry',
    'stored_thresholds', 'threshold_metrics'
]
