# Copyright (c) nl1d contributors. All rights reserved.
"""AUROC and AUPRC of record scores (mmaction2 has neither, its #1388)."""
import logging
from typing import Dict, List, Optional

import numpy as np
from mmaction.registry import METRICS
from mmengine.logging import print_log
from sklearn.metrics import average_precision_score, roc_auc_score

from .record_metric import RecordMetric
from .records import positive_scores


def binary_auc(scores: np.ndarray, labels: np.ndarray) -> Dict[str, float]:
    """AUROC, AUPRC (average precision) and prevalence of a binary task.

    Args:
        scores (np.ndarray): (N,) positive-class scores.
        labels (np.ndarray): (N,) labels in {0, 1}.

    Returns:
        dict[str, float]: ``auroc`` (NaN unless both classes are present),
        ``auprc`` (NaN without positives) and ``prevalence`` (the fraction
        of positives: the AUPRC of a random model).
    """
    positives = int((labels == 1).sum())
    both = 0 < positives < len(labels)
    return dict(
        auroc=float(roc_auc_score(labels, scores)) if both else float('nan'),
        auprc=float(average_precision_score(labels, scores))
        if positives else float('nan'),
        prevalence=positives / max(len(labels), 1))


def one_vs_rest_auc(scores: np.ndarray,
                    labels: np.ndarray) -> Dict[str, np.ndarray]:
    """Per-class one-vs-rest AUROC and AUPRC of a multi-class task.

    The unweighted mean over classes equals scikit-learn's
    ``roc_auc_score(..., multi_class='ovr', average='macro')`` and
    ``average_precision_score(..., average='macro')``; computed per class so
    that an absent class gives NaN for itself only.

    Args:
        scores (np.ndarray): (N, K) class scores.
        labels (np.ndarray): (N,) labels in [0, K).

    Returns:
        dict[str, np.ndarray]: ``auroc``, ``auprc`` and ``prevalence``,
        each (K,).
    """
    num_classes = scores.shape[1]
    auroc = np.full(num_classes, np.nan)
    auprc = np.full(num_classes, np.nan)
    prevalence = np.zeros(num_classes)
    for k in range(num_classes):
        target = (labels == k).astype(np.int64)
        values = binary_auc(scores[:, k], target)
        auroc[k], auprc[k] = values['auroc'], values['auprc']
        prevalence[k] = values['prevalence']
    return dict(auroc=auroc, auprc=auprc, prevalence=prevalence)


@METRICS.register_module()
class AUCMetric(RecordMetric):
    """Area under the ROC and the precision-recall curves, per record.

    Binary tasks (``pred_score`` of 2 classes, class 1 positive, or of one
    sigmoid output) report ``auroc``, ``auprc`` (average precision) and
    ``prevalence`` (the fraction of positives, the AUPRC of a random model,
    printed beside it). Multi-class tasks report the macro one-vs-rest
    ``auroc`` / ``auprc`` and, with ``per_class=True``, ``auroc_{class}``,
    ``auprc_{class}`` and ``prevalence_{class}``. With ``n_bootstrap > 0``
    every metric gets ``{name}_ci_low`` / ``{name}_ci_high``, resampling
    records (or groups, see :class:`RecordMetric`).

    All names carry the ``auc/`` prefix, so mmengine's ``CheckpointHook``
    infers "greater is better" for any of them (``'auc'`` is one of its
    default greater keys): ``save_best='auc/auroc'`` needs no ``rule``.

    A metric that is undefined on the data (AUROC when a class is absent
    from the ground truth) is logged as a warning naming the class and
    reported as NaN, so a small validation set does not stop training.

    Args:
        per_class (bool): Also report every class of a multi-class task.
            Defaults to False.
        **kwargs: :class:`RecordMetric` arguments (``n_bootstrap``,
            ``ci_level``, ``seed``, ``group_key``, ``group_file``,
            ``record_key``, ``collect_device``, ``prefix``).

    Examples:
        >>> val_evaluator = [dict(type='AUCMetric'),
        ...                  dict(type='AccMetric',
        ...                       metric_options=dict(
        ...                           top_k_accuracy=dict(topk=(1, ))))]
        >>> test_evaluator = [dict(type='AUCMetric', n_bootstrap=1000,
        ...                        group_key='patient_id')]
    """
    default_prefix: Optional[str] = 'auc'

    def __init__(self, per_class: bool = False, **kwargs) -> None:
        super().__init__(**kwargs)
        self.per_class = per_class

    def _compute(self, scores: np.ndarray,
                 labels: np.ndarray) -> Dict[str, float]:
        """Metric values of a set of records.

        Args:
            scores (np.ndarray): (N, K) scores.
            labels (np.ndarray): (N,) labels.

        Returns:
            dict[str, float]: The metrics, unprefixed.
        """
        if scores.shape[1] <= 2:
            return binary_auc(positive_scores(scores), labels)
        ovr = one_vs_rest_auc(scores, labels)
        values = dict(
            auroc=float(np.mean(ovr['auroc'])),
            auprc=float(np.mean(ovr['auprc'])))
        if self.per_class:
            for k, name in enumerate(self._class_keys(scores.shape[1])):
                for metric in ('auroc', 'auprc', 'prevalence'):
                    values[f'{metric}_{name}'] = float(ovr[metric][k])
        return values

    def _warn_undefined(self, labels: np.ndarray, num_classes: int) -> None:
        """Name the classes absent from the ground truth (AUROC undefined)."""
        names = self._class_names(max(num_classes, 2))
        counts = np.bincount(labels, minlength=len(names))
        absent = [names[k] for k in range(len(names)) if counts[k] == 0]
        if not absent:
            return
        what = 'AUROC is' if num_classes <= 2 else \
            'the macro AUROC/AUPRC and these classes\' AUROC/AUPRC are'
        print_log(
            f'AUCMetric: class(es) {absent} absent from the ground truth of '
            f'these {len(labels)} records (class counts {counts.tolist()}), '
            f'so {what} undefined and reported as NaN (a binary AUPRC too, '
            'when the positive class is absent). Evaluate on a split that '
            'holds every class.',
            logger='current',
            level=logging.WARNING)

    def _evaluate(self, scores: np.ndarray, labels: np.ndarray,
                  results: List[Dict]) -> Dict[str, float]:
        """AUROC/AUPRC (and their CIs), logged in one line."""
        num_classes = scores.shape[1]
        self._warn_undefined(labels, num_classes)
        values = self._compute(scores, labels)
        values.update(
            self._confidence_intervals(
                lambda idx: self._silent(scores[idx], labels[idx]), results))
        self._log_summary(values, labels, num_classes)
        return values

    def _silent(self, scores: np.ndarray,
                labels: np.ndarray) -> Dict[str, float]:
        """:meth:`_compute` on a resample, without prevalence entries."""
        values = self._compute(scores, labels)
        return {k: v for k, v in values.items() if 'prevalence' not in k}

    def _log_summary(self, values: Dict[str, float], labels: np.ndarray,
                     num_classes: int) -> None:
        """One readable line: AUROC, AUPRC and the prevalence beside it."""
        text = f'AUROC {values["auroc"]:.4f}' + self._ci_text(values, 'auroc')
        text += f' | AUPRC {values["auprc"]:.4f}' + self._ci_text(
            values, 'auprc')
        if num_classes <= 2:
            text += (f' (prevalence {values["prevalence"]:.4f} = AUPRC of a '
                     'random model; '
                     f'{self._positive_text(labels, num_classes)})')
        else:
            text += f' (macro over {num_classes} classes, {len(labels)} ' \
                    'records)'
        if 'auroc_ci_low' in values:
            unit = 'groups' if self._groups_given() else 'records'
            text += f'; {self.n_bootstrap} bootstrap resamples of {unit}'
        print_log(text, logger='current')
