# Copyright (c) nl1d contributors. All rights reserved.
"""The MAP-only baseline: score each window by its own mean arterial
pressure, evaluated with the config's own metrics, splits and patients.

The literature's reference point for hypotension prediction: in the 2024
re-analysis of the Hypotension Prediction Index, the current MAP alone
reached AUROC 0.932, more than the index (0.923). Every model should be
reported beside it.

For each window (a record of the config's datasets, arterial pressure in
mmHg as ``tools/data/hypotension/convert.py`` writes it) the baseline takes
the mean pressure of the window (or of its last ``--last-seconds``) and
turns it into a probability with a one-feature logistic regression fitted
on the training split, lower MAP meaning higher risk. The ranking, hence
AUROC and AUPRC, is the ranking by MAP; the fit only makes the scores
probabilities. The decision threshold is chosen on the validation split by
the config's validation ``ThresholdMetric`` and applied unchanged on the
test split, as ``ThresholdHook`` does for a model. The test metrics are the
config's ``test_evaluator`` (e.g. patient-level bootstrap CIs through
``group_file``), printed in ``tools/test.py``'s format.

Its command line (``tools/analysis/map_baseline.py``)::

    python tools/analysis/map_baseline.py \\
        configs/nl1d/hypotension/nl_r18_res5_1xb32-30e_hypotension.py \\
        --dump work_dirs/map_baseline/result.json
"""
import logging
from typing import Dict, List, Optional, Tuple

import numpy as np
from mmengine import Config
from mmengine.logging import print_log

from .baseline_eval import (binary_samples, build_split, evaluate_val_test,
                            format_metrics, record_channels)

__all__ = [
    'window_maps', 'MAPScorer', 'data_samples', 'format_metrics', 'run'
]


def window_maps(dataset, channel: int = 0,
                last_seconds: Optional[float] = None
                ) -> Tuple[np.ndarray, np.ndarray, List[str]]:
    """Mean pressure, label and file of every record of a dataset.

    Args:
        dataset (SignalDataset): The dataset.
        channel (int): Channel holding the pressure. Defaults to 0.
        last_seconds (float, optional): Average only the last seconds.
            Defaults to None (the whole record).

    Returns:
        tuple: ``maps`` (N,), ``labels`` (N,) and the ``filenames``.
    """
    maps, labels, files = [], [], []
    for info, values, rate in record_channels(dataset, channel):
        if last_seconds is not None:
            if not rate:
                raise ValueError(
                    '--last-seconds needs the dataset\'s sampling_rate '
                    '(SignalDataset(sampling_rate=...)) in the config.')
            values = values[-int(round(last_seconds * rate)):]
        mean = float(np.mean(values, dtype=np.float64))
        if not np.isfinite(mean):
            raise ValueError(
                f'{info["filename"]}: the window holds NaN/Inf, so it has no '
                'MAP; re-run the converter (it drops such windows).')
        maps.append(mean)
        labels.append(int(info['label']))
        files.append(info['filename'])
    return np.asarray(maps), np.asarray(labels), files


class MAPScorer:
    """P(event) = 1 / (1 + exp(slope * (MAP - centre))), slope > 0.

    Fitted by logistic regression on the training windows; when MAP does
    not fall with risk there (slope <= 0, a degenerate training split) the
    scorer keeps the baseline's definition, lower MAP = higher risk, with
    ``centre=65``, ``slope=0.1`` (the ranking, hence AUROC/AUPRC, is the
    same for any positive slope).

    Args:
        centre (float): MAP of probability 0.5, mmHg. Defaults to 65.
        slope (float): Steepness, 1/mmHg. Defaults to 0.1.
    """

    def __init__(self, centre: float = 65.0, slope: float = 0.1) -> None:
        self.centre, self.slope = centre, slope
        self.source = 'fixed (centre 65 mmHg, slope 0.1/mmHg)'

    def fit(self, maps: np.ndarray, labels: np.ndarray) -> 'MAPScorer':
        """Fit on training windows (keeps the defaults without both
        classes)."""
        from sklearn.linear_model import LogisticRegression
        if len(np.unique(labels)) < 2:
            print_log('MAP baseline: the training split lacks a class; '
                      'using the fixed logistic curve.', logger='current',
                      level=logging.WARNING)
            return self
        model = LogisticRegression(C=1e6, max_iter=1000)
        model.fit(maps[:, None], labels)
        coef, intercept = float(model.coef_[0, 0]), float(model.intercept_[0])
        if coef >= 0:
            print_log('MAP baseline: on the training split risk does not '
                      'fall with MAP (logistic slope >= 0); keeping lower '
                      'MAP = higher risk with the fixed curve.',
                      logger='current', level=logging.WARNING)
            return self
        self.slope, self.centre = -coef, -intercept / coef
        self.source = (f'fitted on {len(labels)} training windows: centre '
                       f'{self.centre:.1f} mmHg, slope {self.slope:.3f}/mmHg')
        return self

    def __call__(self, maps: np.ndarray) -> np.ndarray:
        """(N,) probabilities of an event."""
        z = np.clip(self.slope * (maps - self.centre), -50, 50)
        return 1.0 / (1.0 + np.exp(z))


def data_samples(maps: np.ndarray, labels: np.ndarray, files: List[str],
                 scorer: MAPScorer) -> List[Dict]:
    """Data samples as a recognizer's test step returns them (and as
    ``DumpResults`` dumps them), each with its ``map``."""
    return binary_samples(scorer(maps), labels, files, map=maps)


def run(cfg: Config, last_seconds: Optional[float] = None,
        channel: int = 0, val_dump: Optional[str] = None
        ) -> Tuple[Dict[str, float], List[Dict]]:
    """Fit on train, choose thresholds on val, evaluate on test.

    Args:
        cfg (Config): The config.
        last_seconds (float, optional): See :func:`window_maps`.
        channel (int): See :func:`window_maps`.
        val_dump (str, optional): Write the validation predictions here
            (``--val-dump``). Defaults to None.

    Returns:
        tuple: The test metrics and the test data samples.
    """
    scorer = MAPScorer()
    train = build_split(cfg, 'train')
    if train is not None:
        scorer.fit(*window_maps(train, channel, last_seconds)[:2])
    print_log(f'MAP baseline: P(event) = 1 / (1 + exp(slope * (MAP - '
              f'centre))), {scorer.source}.', logger='current')

    def samples_of(dataset) -> List[Dict]:
        return data_samples(*window_maps(dataset, channel, last_seconds),
                            scorer)

    def threshold_note(threshold: float) -> str:
        centre_map = scorer.centre + np.log(1 / threshold - 1) / scorer.slope
        return f'(= MAP {centre_map:.1f} mmHg)'

    return evaluate_val_test(cfg, samples_of, 'MAP baseline', 'windows',
                             threshold_note, val_dump=val_dump)
