# Copyright (c) nl1d contributors. All rights reserved.
"""The base of nl1d's metrics: one entry per record, bootstrap CIs that
resample records or groups of records."""
import logging
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np
from mmengine.evaluator import BaseMetric
from mmengine.logging import print_log

from .bootstrap import bootstrap_ci
from .grouping import load_group_map, record_groups
from .records import sample_to_record, stack_records


def class_names(dataset_meta: Optional[Dict], num_classes: int,
                owner: Any = None) -> List[str]:
    """Class names from ``dataset_meta['classes']``, or the indices.

    Args:
        dataset_meta (dict, optional): The dataset's metainfo.
        num_classes (int): The number of classes scored (2 for a single
            sigmoid score).
        owner (object, optional): Who asks; a mismatch between the names
            and ``num_classes`` is logged once per owner. Defaults to None
            (not logged).

    Returns:
        list[str]: ``num_classes`` names.
    """
    classes = (dataset_meta or {}).get('classes')
    if classes is not None and len(classes) == num_classes:
        return [str(c) for c in classes]
    if classes is not None and owner is not None and \
            not getattr(owner, '_warned_class_count', False):
        owner._warned_class_count = True
        print_log(
            f'{type(owner).__name__}: the dataset names {len(classes)} '
            f'classes ({list(classes)[:10]}) but the model scores '
            f'{num_classes}: classes are shown by index. Give the head\'s '
            'num_classes and the dataset\'s class names the same count.',
            logger='current',
            level=logging.WARNING)
    return [str(k) for k in range(num_classes)]


class RecordMetric(BaseMetric):
    """A metric over records, with optional bootstrap confidence intervals.

    Each data sample is one record (its ``pred_score`` already averaged over
    the record's windows by the head, ``average_clips='prob'``), so
    resampling data samples resamples records, never windows. With
    ``group_key`` or ``group_file`` whole groups (e.g. patients) are
    resampled instead.

    With ``positive_class=k`` a multi-class model is evaluated as a binary
    one: class ``k`` against the rest, the score being its probability
    (``pred_score[:, k]``) and a record positive when its label is ``k``.
    The labels may be the model's classes or already binary with ``k``
    positive (e.g. a model trained on CinC 2017's four rhythms, evaluated
    for AF, class 1, on the AF-vs-rest annotation files).

    Subclasses implement :meth:`_evaluate`, the metrics of the stacked
    records.

    Args:
        n_bootstrap (int): Bootstrap resamples for the confidence intervals;
            0 disables them. Defaults to 0.
        ci_level (float): Confidence level of the intervals. Defaults to
            0.95.
        seed (int): Seed of the bootstrap. Defaults to 0.
        group_key (str, optional): Metainfo key with each record's group id
            (e.g. ``'patient_id'``). Defaults to None.
        group_file (str, optional): A ``record_id group_id`` text file (see
            :func:`~nl1d.evaluation.metrics.grouping.load_group_map`).
            Defaults to None.
        record_key (str): Metainfo key with the record id looked up in
            ``group_file``. Defaults to ``'filename'``.
        collect_device (str): Device used to collect results across ranks.
            Defaults to ``'cpu'``.
        prefix (str, optional): Prefix of the metric names. Defaults to None
            (the class's ``default_prefix``).
        positive_class (int, optional): Evaluate this class against the
            rest (see above). Defaults to None.
    """

    def __init__(self,
                 n_bootstrap: int = 0,
                 ci_level: float = 0.95,
                 seed: int = 0,
                 group_key: Optional[str] = None,
                 group_file: Optional[str] = None,
                 record_key: str = 'filename',
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None,
                 positive_class: Optional[int] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        if positive_class is not None and (
                not isinstance(positive_class, int) or positive_class < 0):
            raise ValueError('positive_class must be a class index >= 0, '
                             f'got {positive_class!r}.')
        self.positive_class = positive_class
        if n_bootstrap < 0:
            raise ValueError(f'n_bootstrap must be >= 0, got {n_bootstrap}.')
        self.n_bootstrap = n_bootstrap
        if not 0 < ci_level < 1:
            raise ValueError(f'ci_level must be in (0, 1), got {ci_level}.')
        self.ci_level = ci_level
        self.seed = seed
        if group_key is not None and group_file is not None:
            raise ValueError('Give either `group_key` or `group_file`, not '
                             'both.')
        self.group_key = group_key
        self.group_file = group_file
        self._group_map = (
            load_group_map(group_file) if group_file is not None else None)
        self.record_key = record_key

    def process(self, data_batch: Any, data_samples: Sequence[Dict]) -> None:
        """Keep the score, label and grouping metainfo of each record.

        Args:
            data_batch (Any): The batch from the dataloader (unused).
            data_samples (Sequence[dict]): The predicted data samples, with
                ``pred_score`` (K,) and ``gt_label``.
        """
        keep = [k for k in (self.group_key, self.record_key) if k]
        for data_sample in data_samples:
            self.results.append(sample_to_record(data_sample, keep))

    def compute_metrics(self, results: List[Dict]) -> Dict[str, float]:
        """Compute the metrics (and their CIs) over all records.

        Args:
            results (list[dict]): Records collected by :meth:`process`.

        Returns:
            dict[str, float]: The metrics, unprefixed (mmengine adds
            ``{prefix}/``).
        """
        scores, labels = stack_records(results, type(self).__name__)
        if self.positive_class is not None:
            scores, labels = self._one_vs_rest(scores, labels)
        return self._evaluate(scores, labels, results)

    def _one_vs_rest(self, scores: np.ndarray,
                     labels: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        """``positive_class`` against the rest: (N, 2) scores, 0/1 labels.
        """
        k = self.positive_class
        if k >= scores.shape[1]:
            raise ValueError(
                f'{type(self).__name__}(positive_class={k}): the model '
                f'scores {scores.shape[1]} classes, so class {k} does not '
                'exist. Give the index of the positive class.')
        positive = scores[:, k]  # (N,)
        return (np.stack([1 - positive, positive], axis=1),
                (labels == k).astype(np.int64))

    def _evaluate(self, scores: np.ndarray, labels: np.ndarray,
                  results: List[Dict]) -> Dict[str, float]:
        """The metrics of stacked records.

        Args:
            scores (np.ndarray): (N, K) record scores.
            labels (np.ndarray): (N,) labels, checked to lie in
                ``[0, max(K, 2))``.
            results (list[dict]): The records (for their bootstrap groups).

        Returns:
            dict[str, float]: The metrics, unprefixed.
        """
        raise NotImplementedError

    def _groups_given(self) -> bool:
        """Whether the bootstrap resamples groups rather than records."""
        return self.group_key is not None or self._group_map is not None

    def _groups(self, records: List[Dict]) -> Optional[np.ndarray]:
        """(N,) group ids, or None to resample records."""
        if not self._groups_given():
            return None
        return record_groups(records, self.group_key, self._group_map,
                             self.record_key)

    def _confidence_intervals(
            self, statistic: Callable[[np.ndarray], Dict[str, float]],
            records: List[Dict]) -> Dict[str, float]:
        """Bootstrap bounds as ``{name}_ci_low`` / ``{name}_ci_high``.

        Args:
            statistic (Callable): Index array (M,) → metric values.
            records (list[dict]): The records (for their groups).

        Returns:
            dict[str, float]: The bounds, empty when ``n_bootstrap == 0``.
        """
        if self.n_bootstrap == 0:
            return {}
        intervals = bootstrap_ci(
            statistic,
            len(records),
            groups=self._groups(records),
            n_resamples=self.n_bootstrap,
            level=self.ci_level,
            seed=self.seed)
        bounds = {}
        for name, (low, high) in intervals.items():
            bounds[f'{name}_ci_low'] = low
            bounds[f'{name}_ci_high'] = high
        return bounds

    def _class_names(self, num_classes: int) -> List[str]:
        """Class names from ``dataset_meta['classes']`` (the dataset's
        ``classes.txt``, see :class:`~nl1d.datasets.SignalDataset`), or
        their indices when there are none or their count differs (logged
        once)."""
        return class_names(self.dataset_meta, num_classes, self)

    def _class_keys(self, num_classes: int) -> List[str]:
        """:meth:`_class_names` as metric-name suffixes: whitespace
        becomes ``_`` (``auroc_no_event``)."""
        return ['_'.join(name.split())
                for name in self._class_names(num_classes)]

    def _positive_text(self, labels: np.ndarray, num_scores: int) -> str:
        """``'12 positive (AF) of 100 records'`` for a binary task."""
        names = (self.dataset_meta or {}).get('classes')
        named = names is not None and len(names) == max(num_scores, 2)
        name = f' ({names[1]})' if named else ''
        return (f'{int((labels == 1).sum())} positive{name} of '
                f'{len(labels)} records')

    def _ci_text(self, values: Dict[str, float], name: str) -> str:
        """`` [95% CI low, high]`` when the bounds were computed."""
        if f'{name}_ci_low' not in values:
            return ''
        return (f' [{self.ci_level:.0%} CI {values[f"{name}_ci_low"]:.4f}, '
                f'{values[f"{name}_ci_high"]:.4f}]')
