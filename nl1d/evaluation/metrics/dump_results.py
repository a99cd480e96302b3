# Copyright (c) nl1d contributors. All rights reserved.
"""mmengine's ``DumpResults`` with the class names beside the labels, and
a plain-data ``.json`` format beside mmengine's pickle."""
from typing import Dict, List, Optional

import numpy as np
from mmaction.registry import METRICS
from mmengine.evaluator import BaseMetric
from mmengine.evaluator import DumpResults as _MMEngineDumpResults
from mmengine.logging import print_log

from ..results import check_result_path, save_results
from .record_metric import class_names
from .records import _to_numpy


def name_records(results: List[Dict],
                 dataset_meta: Optional[Dict]) -> List[Dict]:
    """Add ``pred_class`` and ``gt_class`` (names) to dumped records.

    Args:
        results (list[dict]): Data samples as dicts
            (``ActionDataSample.to_dict()``), with ``pred_label`` /
            ``gt_label`` where present; changed in place.
        dataset_meta (dict, optional): The dataset's metainfo; without
            ``classes`` (or with another count than the scores) nothing is
            added.

    Returns:
        list[dict]: ``results``.
    """
    classes = (dataset_meta or {}).get('classes')
    if not classes:
        return results
    for record in results:
        score = record.get('pred_score')
        num_classes = len(classes) if score is None else max(
            int(np.prod(_to_numpy(score).shape)), 2)
        if num_classes != len(classes):
            continue
        names = class_names(dataset_meta, num_classes)
        for key, name_key in (('pred_label', 'pred_class'),
                              ('gt_label', 'gt_class')):
            if key not in record:
                continue
            label = _to_numpy(record[key]).reshape(-1)
            if label.size == 1 and 0 <= int(label[0]) < num_classes:
                record[name_key] = names[int(label[0])]
    return results


@METRICS.register_module()
class DumpResults(_MMEngineDumpResults):
    """Dump the predicted data samples to a file, each record with its class
    names: mmengine's :class:`~mmengine.evaluator.DumpResults` plus
    ``pred_class`` and ``gt_class``, and a ``.json`` format.

    Registered in mmaction's ``METRICS`` under mmengine's name, so under
    ``default_scope='mmaction'`` (nl1d's runtime) ``dict(type='DumpResults')``
    builds this class: ``tools/test.py --dump result.json`` and any config's
    ``DumpResults`` write the names with no change to a config or a tool.
    Each record is mmengine's dict (``pred_score``, ``pred_label``,
    ``gt_label``, ``filename``, ``sample_idx``, ...) with two more strings,
    ``pred_class`` and ``gt_class``, taken from ``dataset_meta['classes']``
    (the dataset's ``classes.txt``, see :class:`~nl1d.datasets.SignalDataset`)
    when the dataset names as many classes as the model scores; otherwise
    the records are exactly mmengine's. ``type='mmengine.DumpResults'``
    builds mmengine's class.

    The file's suffix chooses the format
    (:func:`~nl1d.evaluation.results.save_results`): ``.json`` is plain
    data, safe to share and read anywhere; ``.pkl`` / ``.pickle`` is
    mmengine's pickle, which nl1d's tools read only through a restricted
    unpickler (:func:`~nl1d.evaluation.results.load_results`).

    Args:
        out_file_path (str): The file (``.json``, ``.pkl`` or ``.pickle``).
        collect_device (str): ``'cpu'`` or ``'gpu'``. Defaults to ``'cpu'``.
        collect_dir (str, optional): Synchronisation folder for
            ``collect_device='cpu'``. Defaults to None.

    Examples:
        >>> test_evaluator = [dict(type='AUCMetric'),
        ...                   dict(type='DumpResults',
        ...                        out_file_path='result.json')]
        >>> # result.json: {"format": "nl1d-results", ..., "records": [
        >>> #  {"pred_label": [1], "pred_class": "AF", "gt_label": [1],
        >>> #   "gt_class": "AF", "pred_score": [0.1, 0.9], ...}, ...]}
    """

    def __init__(self,
                 out_file_path: str,
                 collect_device: str = 'cpu',
                 collect_dir: Optional[str] = None) -> None:
        # mmengine's __init__ accepts .pkl / .pickle only
        BaseMetric.__init__(
            self, collect_device=collect_device, collect_dir=collect_dir)
        self.out_file_path = check_result_path(
            out_file_path, 'DumpResults out_file_path')

    def compute_metrics(self, results: list) -> dict:
        """Name the records' classes, then dump them.

        Args:
            results (list): The collected records.

        Returns:
            dict: Empty (dumping reports no metric).
        """
        save_results(name_records(results, self.dataset_meta),
                     self.out_file_path)
        print_log(f'Results has been saved to {self.out_file_path}.',
                  logger='current')
        return {}
