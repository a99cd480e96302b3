# Copyright (c) nl1d contributors. All rights reserved.
"""Seeded percentile-bootstrap confidence intervals over records or groups.

``scipy.stats.bootstrap`` resamples observations one by one and propagates a
NaN statistic into the interval. Clinical evaluation needs two things it does
not do: resampling whole groups (all records of a patient enter a resample
together, a cluster bootstrap) and skipping resamples where a metric is
undefined (a resample without positives has no AUROC). So the resampling is
written here; the statistics themselves stay scikit-learn calls.
"""
import logging
from typing import Callable, Dict, Optional, Tuple

import numpy as np
from mmengine.logging import print_log

from nl1d.runtime.progress import ProgressBar


def _resample_indices(rng: np.random.Generator,
                      members: Optional[list], num_units: int) -> np.ndarray:
    """Indices of one resample: ``num_units`` units drawn with replacement,
    each contributing all its records (``members`` None: units are the
    records themselves)."""
    chosen = rng.integers(0, num_units, size=num_units)
    if members is None:
        return chosen
    return np.concatenate([members[u] for u in chosen])


def bootstrap_replicates(statistic: Callable[[np.ndarray], Dict[str, float]],
                         num_records: int,
                         groups: Optional[np.ndarray] = None,
                         n_resamples: int = 1000,
                         seed: int = 0,
                         progress: bool = False) -> Dict[str, np.ndarray]:
    """The statistics on every bootstrap resample.

    Args:
        statistic (Callable): Maps an index array (M,) into the records to a
            dict of metric values (not finite: undefined on that resample).
        num_records (int): N, the number of records.
        groups (np.ndarray, optional): (N,) group id of every record. Groups
            are resampled with replacement and bring all their records.
            Defaults to None (each record is its own group).
        n_resamples (int): Number of bootstrap resamples. Defaults to 1000.
        seed (int): Seed of the resampling generator. Defaults to 0.
        progress (bool): Show mmengine's progress bar. Defaults to False.

    Returns:
        dict[str, np.ndarray]: (n_resamples,) float64 values per metric,
        NaN where undefined.
    """
    if n_resamples < 1:
        raise ValueError(f'n_bootstrap must be >= 1, got {n_resamples}.')
    if groups is None:
        members, num_units = None, num_records
    else:
        groups = np.asarray(groups)
        if groups.shape != (num_records, ):
            raise ValueError(f'groups has shape {groups.shape}, expected '
                             f'({num_records},).')
        _, inverse = np.unique(groups, return_inverse=True)
        num_units = int(inverse.max()) + 1
        members = [np.flatnonzero(inverse == g) for g in range(num_units)]
    rng = np.random.default_rng(seed)
    values: Dict[str, list] = {}
    bar = ProgressBar(n_resamples, title='bootstrap') if progress else None
    for _ in range(n_resamples):
        idx = _resample_indices(rng, members, num_units)
        for name, value in statistic(idx).items():
            values.setdefault(name, []).append(value)
        if bar is not None:
            bar.update()
    return {name: np.asarray(vals, dtype=np.float64)
            for name, vals in values.items()}


def percentile_intervals(
        replicates: Dict[str, np.ndarray],
        level: float = 0.95) -> Dict[str, Tuple[float, float]]:
    """Percentile intervals of bootstrap replicates, skipping (with a
    warning) the resamples where a metric is undefined.

    Args:
        replicates (dict[str, np.ndarray]): :func:`bootstrap_replicates`.
        level (float): Confidence level. Defaults to 0.95.

    Returns:
        dict[str, tuple[float, float]]: ``(low, high)`` per metric; NaN
        bounds when fewer than 2 resamples gave a finite value.
    """
    alpha = (1 - level) / 2
    intervals = {}
    for name, vals in replicates.items():
        finite = vals[np.isfinite(vals)]
        if finite.size < vals.size:
            print_log(
                f'bootstrap: `{name}` undefined on '
                f'{vals.size - finite.size} of {vals.size} resamples '
                '(e.g. no positive record drawn); they are skipped.',
                logger='current', level=logging.WARNING)
        if finite.size < 2:
            intervals[name] = (float('nan'), float('nan'))
            continue
        low, high = np.quantile(finite, [alpha, 1 - alpha])
        intervals[name] = (float(low), float(high))
    return intervals


def bootstrap_ci(statistic: Callable[[np.ndarray], Dict[str, float]],
                 num_records: int,
                 groups: Optional[np.ndarray] = None,
                 n_resamples: int = 1000,
                 level: float = 0.95,
                 seed: int = 0,
                 progress: bool = False) -> Dict[str, Tuple[float, float]]:
    """Percentile bootstrap intervals of several statistics at once.

    Args:
        statistic (Callable): Maps an index array (M,) into the records to a
            dict of metric values; a value that is not finite marks the
            metric undefined on that resample (the resample is skipped for
            that metric).
        num_records (int): N, the number of records.
        groups (np.ndarray, optional): (N,) group id of every record. Groups
            are resampled with replacement and bring all their records.
            Defaults to None (each record is its own group).
        n_resamples (int): Number of bootstrap resamples. Defaults to 1000.
        level (float): Confidence level. Defaults to 0.95.
        seed (int): Seed of the resampling generator; the same seed gives
            the same intervals. Defaults to 0.
        progress (bool): Show mmengine's progress bar (for the analysis
            tools). Defaults to False.

    Returns:
        dict[str, tuple[float, float]]: ``(low, high)`` per metric; NaN
        bounds when fewer than 2 resamples gave a finite value.
    """
    if not 0 < level < 1:
        raise ValueError(f'ci_level must be in (0, 1), got {level}.')
    return percentile_intervals(
        bootstrap_replicates(statistic, num_records, groups, n_resamples,
                             seed, progress), level)
