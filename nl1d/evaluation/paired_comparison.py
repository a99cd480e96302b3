# Copyright (c) nl1d contributors. All rights reserved.
"""Paired comparison of models scored on the same test records.

Two models' AUROCs with overlapping 95 % CIs can still differ reliably: the
two intervals describe each model's uncertainty about the test set, but the
models are scored on the *same* records, so most of that uncertainty is
shared. The paired bootstrap resamples the records once per replicate and
scores every model on that resample; the percentile interval of the
difference (model − reference) and the fraction of replicates on the other
side of zero (a two-sided bootstrap p-value) say whether one model is
better on this test set. Records can be resampled by group (a patient's
records together), as the metrics' CIs are.

Examples:
    >>> values = paired_auc_difference(scores, labels)  # scores (M, N)
    >>> values['delta_auroc_1'], values['delta_auroc_1_ci']
"""
from typing import Dict, Optional

import numpy as np

from .metrics.auc_metric import binary_auc, one_vs_rest_auc
from .metrics.bootstrap import bootstrap_replicates, percentile_intervals

#: The metrics compared, as :func:`auc_values` names them.
METRICS = ('auroc', 'auprc')


def auc_values(scores: np.ndarray, labels: np.ndarray) -> Dict[str, float]:
    """AUROC and AUPRC of one model: binary, or the macro one-vs-rest mean.

    Args:
        scores (np.ndarray): (N, K) class scores; K <= 2 is binary (class 1,
            or the one sigmoid output, positive).
        labels (np.ndarray): (N,) labels in [0, K).

    Returns:
        dict[str, float]: ``auroc`` and ``auprc`` (NaN where undefined, e.g.
        a resample without positives).
    """
    if scores.shape[1] <= 2:
        values = binary_auc(scores[:, -1], labels)
        return {k: values[k] for k in METRICS}
    values = one_vs_rest_auc(scores, labels)
    return {
        k: float(np.mean(values[k])) if np.isfinite(values[k]).all() else
        float('nan')
        for k in METRICS
    }


def _p_value(deltas: np.ndarray, observed: float) -> float:
    """Two-sided bootstrap p-value of a difference: twice the fraction of
    finite replicates on the far side of zero from the observed one (at
    most 1)."""
    deltas = deltas[np.isfinite(deltas)]
    if deltas.size == 0 or not np.isfinite(observed):
        return float('nan')
    if observed == 0:
        return 1.0
    beyond = (deltas <= 0) if observed > 0 else (deltas >= 0)
    return float(min(1.0, 2 * beyond.mean()))


def paired_auc_difference(scores: np.ndarray,
                          labels: np.ndarray,
                          groups: Optional[np.ndarray] = None,
                          n_resamples: int = 2000,
                          level: float = 0.95,
                          seed: int = 0) -> Dict[str, object]:
    """AUROC / AUPRC of M models on the same records, and each model's
    difference from the first with a paired bootstrap CI and p-value.

    Args:
        scores (np.ndarray): (M, N, K) class scores of M models on the same
            N records.
        labels (np.ndarray): (N,) labels.
        groups (np.ndarray, optional): (N,) group ids; groups are resampled
            whole. Defaults to None (records).
        n_resamples (int): Bootstrap replicates. Defaults to 2000.
        level (float): Confidence level. Defaults to 0.95.
        seed (int): Seed of the resampling. Defaults to 0.

    Returns:
        dict: for every model i and metric ``m`` in :data:`METRICS`,
        ``{m}_{i}`` (its value) and ``{m}_{i}_ci`` (its own interval); for
        i >= 1, ``delta_{m}_{i}`` (model i − model 0), ``delta_{m}_{i}_ci``
        ``(low, high)`` and ``p_{m}_{i}`` (two-sided bootstrap p-value).
    """
    scores = np.asarray(scores, dtype=np.float64)
    labels = np.asarray(labels)
    if scores.ndim != 3 or scores.shape[0] < 2 or \
            scores.shape[1] != labels.shape[0]:
        raise ValueError(
            f'paired_auc_difference: scores of shape {scores.shape} and '
            f'{labels.shape[0]} labels; give (M >= 2, N, K) scores of the '
            'same N records.')
    num = scores.shape[0]

    def statistic(idx: np.ndarray) -> Dict[str, float]:
        per_model = [auc_values(s[idx], labels[idx]) for s in scores]
        values = {
            f'{m}_{i}': v[m]
            for i, v in enumerate(per_model) for m in METRICS
        }
        for i in range(1, num):
            for m in METRICS:
                values[f'delta_{m}_{i}'] = per_model[i][m] - per_model[0][m]
        return values

    if not 0 < level < 1:
        raise ValueError(f'ci_level must be in (0, 1), got {level}.')
    observed = statistic(np.arange(labels.shape[0]))
    replicates = bootstrap_replicates(statistic, labels.shape[0], groups,
                                      n_resamples, seed)
    result: Dict[str, object] = dict(observed)
    for name, interval in percentile_intervals(replicates, level).items():
        result[f'{name}_ci'] = interval
    for i in range(1, num):
        for m in METRICS:
            name = f'delta_{m}_{i}'
            result[f'p_{m}_{i}'] = _p_value(replicates[name], observed[name])
    return result
