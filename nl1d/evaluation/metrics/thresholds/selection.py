# Copyright (c) nl1d contributors. All rights reserved.
"""Choosing a binary decision threshold on validation scores.

A record is predicted positive when its positive-class score is ``>=`` the
threshold, the convention of scikit-learn's ``roc_curve``, so the threshold
returned reproduces exactly the ROC point it was chosen at.
"""
from typing import Optional

import numpy as np
from sklearn.metrics import roc_curve

#: Selection rules :func:`select_threshold` knows.
SELECTION_METHODS = ('youden', 'accuracy', 'sensitivity', 'specificity')

#: Rules that take no target.
_NO_TARGET = {'youden': "Youden's J", 'accuracy': 'accuracy'}


def describe_selection(method: str, target: Optional[float] = None) -> str:
    """Human-readable name of a selection rule, for logs.

    Args:
        method (str): One of :data:`SELECTION_METHODS`.
        target (float, optional): The target of the ``sensitivity`` /
            ``specificity`` rules. Defaults to None.

    Returns:
        str: E.g. ``"Youden's J"``, ``'accuracy'`` or
        ``'sensitivity >= 0.90'``.
    """
    if method in _NO_TARGET:
        return _NO_TARGET[method]
    return f'{method} >= {target:.2f}'


def check_selection(method: str, target: Optional[float]) -> None:
    """Validate a selection rule from a config.

    Args:
        method (str): One of :data:`SELECTION_METHODS`.
        target (float, optional): Required by ``sensitivity`` and
            ``specificity``, in (0, 1].

    Raises:
        ValueError: The rule is unknown or its target is missing/invalid.
    """
    if method not in SELECTION_METHODS:
        raise ValueError(f'select={method!r} is not a threshold selection '
                         f'rule; choose one of {SELECTION_METHODS}.')
    if method in _NO_TARGET:
        if target is not None:
            raise ValueError(f'select={method!r} takes no target; use '
                             "select='sensitivity' or 'specificity' to aim "
                             'at a target.')
        return
    if target is None or not 0 < target <= 1:
        raise ValueError(
            f"select={method!r} needs target in (0, 1] (e.g. target=0.9 for "
            f'a {method} of at least 90%), got {target}.')


def select_threshold(scores: np.ndarray,
                     labels: np.ndarray,
                     method: str = 'youden',
                     target: Optional[float] = None) -> float:
    """Choose the threshold of a binary classifier on (validation) records.

    - ``'youden'``: maximise Youden's J = sensitivity + specificity - 1.
    - ``'accuracy'``: maximise accuracy, for tasks whose field reports
      accuracy at the decision (e.g. per-minute sleep apnea). Unlike J it
      weighs each record alike, so it follows the validation prevalence.
    - ``'sensitivity'``: the highest threshold (so the best specificity)
      whose sensitivity is at least ``target``.
    - ``'specificity'``: the lowest threshold (so the best sensitivity)
      whose specificity is at least ``target``.

    Args:
        scores (np.ndarray): (N,) positive-class scores.
        labels (np.ndarray): (N,) labels in {0, 1}; both must occur.
        method (str): The rule, one of :data:`SELECTION_METHODS`. Defaults
            to ``'youden'``.
        target (float, optional): Target of the ``sensitivity`` /
            ``specificity`` rules. Defaults to None.

    Returns:
        float: The threshold (predict positive when ``score >= threshold``).
    """
    check_selection(method, target)
    labels = np.asarray(labels)
    positives = int((labels == 1).sum())
    if positives == 0 or positives == len(labels):
        raise ValueError(
            f'Cannot choose a threshold on {len(labels)} records with '
            f'{positives} positive: both classes must occur in the '
            'validation set.')
    fpr, tpr, thresholds = roc_curve(labels, scores)
    if method == 'youden':
        index = int(np.argmax(tpr - fpr))
    elif method == 'accuracy':
        # correct = true positives + true negatives at each ROC point
        correct = tpr * positives + (1 - fpr) * (len(labels) - positives)
        index = int(np.argmax(np.round(correct)))
    elif method == 'sensitivity':
        # tpr is non-decreasing along decreasing thresholds
        index = int(np.flatnonzero(tpr >= target - 1e-12)[0])
    else:
        index = int(np.flatnonzero(1 - fpr >= target - 1e-12)[-1])
    threshold = float(thresholds[index])
    if not np.isfinite(threshold):
        # sklearn's first point (nothing positive) sits at +inf
        threshold = float(np.nextafter(np.max(scores), np.inf))
    return threshold
