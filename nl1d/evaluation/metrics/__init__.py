# Copyright (c) nl1d contributors. All rights reserved.
from .auc_metric import AUCMetric, binary_auc, one_vs_rest_auc
from .bootstrap import bootstrap_ci
from .dump_results import DumpResults, name_records
from .grouping import load_group_map, record_groups
from .record_metric import RecordMetric
from .thresholds import (SELECTION_METHODS, ThresholdMetric,
                         binary_operating_point, describe_entry,
                         describe_selection, multiclass_operating_point,
                         select_threshold, stored_thresholds,
                         threshold_metrics)

__all__ = [
    'AUCMetric', 'ThresholdMetric', 'RecordMetric', 'DumpResults',
    'name_records', 'binary_auc',
    'one_vs_rest_auc', 'binary_operating_point', 'multiclass_operating_point',
    'select_threshold', 'describe_selection', 'SELECTION_METHODS',
    'bootstrap_ci', 'load_group_map', 'record_groups', 'stored_thresholds',
    'threshold_metrics', 'describe_entry'
]
