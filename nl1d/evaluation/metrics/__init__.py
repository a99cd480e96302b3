# Copyright (c) nl1d contributors. All rights reserved.
from .auc_metric import AUCMetric, binary_auc, one_vs_rest_auc
from .bootstrap import bootstrap_ci
from .dump_results import DumpResults, name_records
from .grouping import load_group_map, record_groups
from .record_metric import RecordMetric
from .threshold_metric import (ThresholdMetric, binary_operating_point,
                               multiclass_operating_point)
from .threshold_selection import (SELECTION_METHODS, describe_selection,
                                  select_threshold)

__all__ = [
    'AUCMetric', 'ThresholdMetric', 'RecordMetric', 'DumpResults',
    'name_records', 'binary_auc',
    'one_vs_rest_auc', 'binary_operating_point', 'multiclass_operating_point',
    'select_threshold', 'describe_selection', 'SELECTION_METHODS',
    'bootstrap_ci', 'load_group_map', 'record_groups'
]
