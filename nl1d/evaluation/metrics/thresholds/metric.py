# Copyright (c) nl1d contributors. All rights reserved.
"""Sensitivity, specificity, PPV, NPV, F1 and accuracy at an operating
point: a threshold for binary tasks, the top class for multi-class ones."""
import logging
from typing import Dict, List, Optional

import numpy as np
from mmaction.registry import METRICS
from mmengine.logging import print_log
from sklearn.metrics import (accuracy_score, balanced_accuracy_score,
                             multilabel_confusion_matrix,
                             precision_recall_fscore_support)

from ..record_metric import RecordMetric
from ..records import positive_scores
from .selection import check_selection, describe_selection, select_threshold


def binary_operating_point(scores: np.ndarray, labels: np.ndarray,
                           threshold: float) -> Dict[str, float]:
    """Binary metrics when ``score >= threshold`` predicts positive.

    Args:
        scores (np.ndarray): (N,) positive-class scores.
        labels (np.ndarray): (N,) labels in {0, 1}.
        threshold (float): The decision threshold.

    Returns:
        dict[str, float]: ``sensitivity`` (recall of class 1),
        ``specificity`` (recall of class 0), ``ppv`` (precision of class 1),
        ``npv`` (precision of class 0), ``f1`` (of class 1), ``accuracy``
        and ``balanced_accuracy``; NaN where a ratio has no denominator.
    """
    preds = (scores >= threshold).astype(np.int64)
    precision, recall, f1, _ = precision_recall_fscore_support(
        labels, preds, labels=[0, 1], zero_division=np.nan)
    return dict(
        sensitivity=float(recall[1]),
        specificity=float(recall[0]),
        ppv=float(precision[1]),
        npv=float(precision[0]),
        f1=float(f1[1]),
        accuracy=float(accuracy_score(labels, preds)),
        balanced_accuracy=float(np.nanmean(recall))
        if np.isfinite(recall).any() else float('nan'))


def multiclass_operating_point(scores: np.ndarray,
                               labels: np.ndarray) -> Dict[str, np.ndarray]:
    """Per-class metrics when the top-scoring class is predicted.

    Args:
        scores (np.ndarray): (N, K) class scores.
        labels (np.ndarray): (N,) labels in [0, K).

    Returns:
        dict[str, np.ndarray]: ``sensitivity``, ``specificity``, ``ppv``
        and ``f1``, each (K,) (NaN where undefined).
    """
    num_classes = scores.shape[1]
    preds = scores.argmax(1)
    classes = list(range(num_classes))
    precision, recall, f1, _ = precision_recall_fscore_support(
        labels, preds, labels=classes, zero_division=np.nan)
    counts = multilabel_confusion_matrix(labels, preds, labels=classes)
    tn, fp = counts[:, 0, 0], counts[:, 0, 1]
    with np.errstate(invalid='ignore', divide='ignore'):
        specificity = np.where(tn + fp > 0, tn / (tn + fp), np.nan)
    return dict(sensitivity=recall, specificity=specificity, ppv=precision,
                f1=f1)


@METRICS.register_module()
class ThresholdMetric(RecordMetric):
    """Metrics at an operating point, with a threshold frozen on validation.

    **Binary tasks** (class 1 positive; 2 scores or 1 sigmoid output): a
    record is positive when its score is ``>= threshold``. Reports
    ``threshold``, ``sensitivity``, ``specificity``, ``ppv``, ``npv``,
    ``f1``, ``accuracy`` and ``balanced_accuracy``. The threshold is

    1. ``threshold`` from the config when given (used as is), else
    2. the one chosen on validation and stored in the checkpoint, set by
       :class:`~nl1d.engine.ThresholdHook` before testing, else
    3. with ``frozen=False`` (the validation evaluator): chosen on the
       evaluated records by ``select`` (Youden's J, or the threshold that
       reaches a target sensitivity/specificity);
       with ``frozen=True`` (the test evaluator): an error, because a
       threshold chosen on test data overstates every metric.

    The log says which of these the threshold came from.

    **Multi-class tasks**: the top class is predicted; reports
    ``accuracy``, ``mean_class_accuracy`` (balanced accuracy, mmaction2's
    mean class accuracy) and macro ``sensitivity``, ``specificity``,
    ``ppv``, ``f1`` (``per_class=True`` adds ``{metric}_{class}``).

    With ``n_bootstrap > 0`` each metric gets ``{name}_ci_low`` /
    ``{name}_ci_high`` from resampled records or groups (the threshold stays
    fixed: the interval is that of the metrics at this operating point).

    The default prefix ``thr_acc`` contains ``'acc'``, one of mmengine's
    "greater is better" keys, so ``save_best='thr_acc/f1'`` (or any other
    name here) needs no ``rule``.

    Args:
        select (str): Selection rule on validation: ``'youden'``,
            ``'accuracy'``, ``'sensitivity'`` or ``'specificity'``.
            Defaults to ``'youden'``.
        target (float, optional): Target of the ``'sensitivity'`` /
            ``'specificity'`` rules, e.g. 0.9. Defaults to None.
        threshold (float, optional): A fixed threshold; overrides selection
            and the checkpoint's threshold. Defaults to None.
        frozen (bool): Never choose the threshold on the evaluated data
            (set it in ``test_evaluator``). Defaults to False.
        per_class (bool): Report every class of a multi-class task.
            Defaults to False.
        **kwargs: :class:`RecordMetric` arguments (``n_bootstrap``,
            ``ci_level``, ``seed``, ``group_key``, ``group_file``,
            ``record_key``, ``collect_device``, ``prefix``).

    Examples:
        >>> val_evaluator = [dict(type='AUCMetric'),
        ...                  dict(type='ThresholdMetric', select='youden')]
        >>> test_evaluator = [dict(type='AUCMetric', n_bootstrap=1000),
        ...                   dict(type='ThresholdMetric', frozen=True,
        ...                        n_bootstrap=1000)]
        >>> custom_hooks = [dict(type='ThresholdHook')]
    """
    default_prefix: Optional[str] = 'thr_acc'

    def __init__(self,
                 select: str = 'youden',
                 target: Optional[float] = None,
                 threshold: Optional[float] = None,
                 frozen: bool = False,
                 per_class: bool = False,
                 **kwargs) -> None:
        super().__init__(**kwargs)
        check_selection(select, target)
        self.select = select
        self.target = target
        self.fixed_threshold = threshold
        self.frozen = frozen
        self.per_class = per_class
        self.threshold: Optional[float] = threshold
        self.threshold_source: Optional[str] = (
            'fixed in the config (`threshold=`)'
            if threshold is not None else None)

    @property
    def selection(self) -> str:
        """The selection rule in words, e.g. ``"Youden's J"``."""
        return describe_selection(self.select, self.target)

    def set_threshold(self, threshold: float, source: str) -> None:
        """Freeze the threshold, e.g. to the one chosen on validation.

        A threshold fixed in the config wins: the call is then logged and
        ignored.

        Args:
            threshold (float): The threshold.
            source (str): Where it came from, for the log.
        """
        if self.fixed_threshold is not None:
            print_log(
                f'ThresholdMetric ({self.prefix}): keeping the config\'s '
                f'threshold={self.fixed_threshold}, not {threshold:.6g} '
                f'({source}).',
                logger='current',
                level=logging.WARNING)
            return
        self.threshold = float(threshold)
        self.threshold_source = source

    def _resolve_threshold(self, scores: np.ndarray,
                           labels: np.ndarray) -> float:
        """The threshold to apply, choosing it on the data when allowed."""
        if self.threshold is not None:
            return self.threshold
        if self.frozen:
            raise RuntimeError(
                f'ThresholdMetric ({self.prefix}) has frozen=True but no '
                'threshold: the checkpoint holds none (train with '
                "`custom_hooks=[dict(type='ThresholdHook')]` and a "
                'ThresholdMetric in val_evaluator), and the config gives no '
                '`threshold=`. Pass one (tools/analysis/eval_metric.py '
                '--threshold or --checkpoint), or set frozen=False to choose '
                'it on these records (optimistic on test data).')
        try:
            threshold = select_threshold(scores, labels, self.select,
                                         self.target)
        except ValueError as e:
            print_log(f'ThresholdMetric ({self.prefix}): {e} The threshold '
                      'and the metrics at it are NaN.', logger='current',
                      level=logging.WARNING)
            return float('nan')
        self.threshold_source = (
            f'chosen on these {len(labels)} records by {self.selection}')
        return threshold

    def _evaluate(self, scores: np.ndarray, labels: np.ndarray,
                  results: List[Dict]) -> Dict[str, float]:
        """The operating-point metrics (and their CIs)."""
        if scores.shape[1] > 2:
            return self._multiclass(scores, labels, results)
        positive = positive_scores(scores)
        threshold = self._resolve_threshold(positive, labels)
        if not np.isfinite(threshold):
            names = ('sensitivity', 'specificity', 'ppv', 'npv', 'f1',
                     'accuracy', 'balanced_accuracy')
            return dict(threshold=threshold, **{n: float('nan')
                                                for n in names})
        values = dict(threshold=threshold)
        values.update(binary_operating_point(positive, labels, threshold))
        values.update(
            self._confidence_intervals(
                lambda idx: binary_operating_point(positive[idx],
                                                   labels[idx], threshold),
                results))
        self._log_binary(values, labels, scores.shape[1])
        return values

    def _multiclass_values(self, scores: np.ndarray,
                           labels: np.ndarray) -> Dict[str, float]:
        """Macro (and per-class) metrics of the top class."""
        preds = scores.argmax(1)
        values = dict(
            accuracy=float(accuracy_score(labels, preds)),
            mean_class_accuracy=float(balanced_accuracy_score(labels, preds)))
        per_class = multiclass_operating_point(scores, labels)
        classes = list(range(scores.shape[1]))
        precision, recall, f1, _ = precision_recall_fscore_support(
            labels, preds, labels=classes, average='macro',
            zero_division=np.nan)
        specificity = per_class['specificity']
        values.update(
            sensitivity=float(recall),
            specificity=float(np.nanmean(specificity))
            if np.isfinite(specificity).any() else float('nan'),
            ppv=float(precision),
            f1=float(f1))
        if self.per_class:
            for k, name in enumerate(self._class_keys(scores.shape[1])):
                for metric, array in per_class.items():
                    values[f'{metric}_{name}'] = float(array[k])
        return values

    def _multiclass(self, scores: np.ndarray, labels: np.ndarray,
                    results: List[Dict]) -> Dict[str, float]:
        """Top-class metrics (and their CIs), logged in one line."""
        values = self._multiclass_values(scores, labels)
        values.update(
            self._confidence_intervals(
                lambda idx: self._multiclass_values(scores[idx], labels[idx]),
                results))
        text = (f'top class of {scores.shape[1]}: accuracy '
                f'{values["accuracy"]:.4f}'
                + self._ci_text(values, 'accuracy')
                + f' | mean class accuracy {values["mean_class_accuracy"]:.4f}'
                + self._ci_text(values, 'mean_class_accuracy')
                + f' | macro F1 {values["f1"]:.4f}'
                + self._ci_text(values, 'f1')
                + f' ({len(labels)} records)')
        print_log(text, logger='current')
        return values

    def _log_binary(self, values: Dict[str, float], labels: np.ndarray,
                    num_scores: int) -> None:
        """Log the threshold, where it came from, and the metrics at it."""
        print_log(
            f'Threshold {values["threshold"]:.6g}: {self.threshold_source}.',
            logger='current')
        parts = []
        for name, title in (('sensitivity', 'sensitivity'),
                            ('specificity', 'specificity'), ('ppv', 'PPV'),
                            ('npv', 'NPV'), ('f1', 'F1')):
            parts.append(f'{title} {values[name]:.4f}'
                         + self._ci_text(values, name))
        print_log(
            ' | '.join(parts)
            + f' ({self._positive_text(labels, num_scores)})',
            logger='current')
