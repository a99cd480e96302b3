# Copyright (c) nl1d contributors. All rights reserved.
"""The RR-interval baseline: atrial fibrillation detected from the
irregularity of the heartbeat alone, evaluated with the config's own
metrics and splits.

The field's simplest reference point for single-lead ECG AF detection: AF
is an irregularly irregular rhythm, so the spread of the RR intervals
(time between successive R peaks) separates most AF records from the rest
without looking at the waveform. Every deep model on CinC 2017 AF-vs-rest
should be reported beside it.

For each record of the config's datasets (a ``.npy`` array (C, L) at the
dataset's ``sampling_rate``) the baseline

1. detects the R peaks (:func:`detect_r_peaks`): 5-15 Hz Butterworth
   band-pass run forwards and backwards (``filtfilt``), the polarity chosen
   so the larger 99th percentile is up, then ``find_peaks`` with a 0.3 s
   refractory distance and a height relative to the 99th percentile;
2. computes the RR features of :data:`FEATURE_NAMES` (:func:`rr_features`);
3. scores it with scikit-learn's ``HistGradientBoostingClassifier`` fitted
   on the training split (fixed ``random_state``).

The decision threshold is chosen on the validation split by the config's
validation ``ThresholdMetric`` and applied unchanged on the test split, as
``ThresholdHook`` does for a model; the test metrics are the config's
``test_evaluator`` (bootstrap CIs), printed in ``tools/test.py``'s format.

Its command line (``tools/analysis/rr_baseline.py``)::

    python tools/analysis/rr_baseline.py \\
        configs/nl1d/cinc2017/nl_r18_res5_1xb32-40e_cinc2017-af.py \\
        --out work_dirs/rr_baseline/metrics.json \\
        --dump work_dirs/rr_baseline/result.json \\
        --val-dump work_dirs/rr_baseline/val_result.json
"""
import logging
from typing import Dict, List, Optional, Tuple

import numpy as np
from mmengine import Config
from mmengine.logging import print_log
from scipy.signal import butter, filtfilt, find_peaks

from .baseline_eval import (binary_samples, build_split, evaluate_val_test,
                            record_channels)

#: The features of a record, in column order.
FEATURE_NAMES = ('cv_rr', 'rmssd_rr', 'pnn50', 'median_drr', 'p90_drr',
                 'mean_rr', 'num_beats')
#: Fewer detected beats than this give the default features.
MIN_BEATS = 4
#: Irregularity features of a record without :data:`MIN_BEATS` beats: below
#: any measured value (>= 0), so the trees can tell "not measurable" from
#: "perfectly regular".
UNMEASURED = -1.0


def detect_r_peaks(signal: np.ndarray,
                   rate: float,
                   band: Tuple[float, float] = (5.0, 15.0),
                   refractory: float = 0.3,
                   rel_height: float = 0.4) -> np.ndarray:
    """Indices of the R peaks of a single-lead ECG.

    A 3rd-order Butterworth band-pass (``band``, run forwards and backwards:
    no phase shift) keeps the QRS complexes; the lead's polarity is fixed by
    flipping the filtered signal when the 99th percentile of its negative is
    larger; peaks are the maxima at least ``rel_height`` times the 99th
    percentile high and ``refractory`` seconds apart.

    Args:
        signal (np.ndarray): (L,) the lead, any unit.
        rate (float): Sampling rate in Hz (above twice ``band[1]``).
        band (tuple[float, float]): Pass band in Hz. Defaults to (5, 15).
        refractory (float): Shortest RR interval in seconds. Defaults to 0.3.
        rel_height (float): Smallest peak height, as a fraction of the 99th
            percentile of the filtered signal. Defaults to 0.4.

    Returns:
        np.ndarray: (B,) sorted sample indices; empty for a record too short
        to filter, flat or holding NaN/Inf.
    """
    if rate <= 2 * band[1]:
        raise ValueError(
            f'detect_r_peaks: a {band[0]}-{band[1]} Hz band-pass needs a '
            f'sampling rate above {2 * band[1]} Hz, got {rate} Hz; set the '
            'dataset\'s sampling_rate to the converter\'s --rate.')
    x = np.asarray(signal, dtype=np.float64)  # (L,)
    b, a = butter(3, band, btype='bandpass', fs=rate)
    if x.size <= 3 * max(len(a), len(b)) or not np.all(np.isfinite(x)):
        return np.empty(0, dtype=np.int64)
    y = filtfilt(b, a, x - x.mean())  # (L,)
    top, bottom = np.percentile(y, 99), np.percentile(-y, 99)
    if bottom > top:
        y, top = -y, bottom
    if not top > 0:
        return np.empty(0, dtype=np.int64)
    peaks, _ = find_peaks(
        y,
        height=rel_height * top,
        distance=max(1, int(round(refractory * rate))))
    return peaks.astype(np.int64)


def rr_features(peaks: np.ndarray, rate: float) -> np.ndarray:
    """RR-irregularity features of one record (:data:`FEATURE_NAMES`).

    With ``RR`` the intervals between successive peaks (s) and ``dRR`` the
    absolute differences of successive intervals:

    - ``cv_rr``: std(RR) / mean(RR), the coefficient of variation;
    - ``rmssd_rr``: sqrt(mean(dRR^2)) / mean(RR);
    - ``pnn50``: fraction of dRR > 50 ms;
    - ``median_drr``: median(dRR) / median(RR);
    - ``p90_drr``: 90th percentile of dRR / mean(RR);
    - ``mean_rr``: mean(RR), s;
    - ``num_beats``: number of detected peaks.

    A record too short or too noisy for :data:`MIN_BEATS` beats gets
    NaN-free defaults: :data:`UNMEASURED` (-1) for the five irregularity
    features, 0 for ``mean_rr`` and its number of peaks for ``num_beats``.

    Args:
        peaks (np.ndarray): (B,) sorted peak indices.
        rate (float): Sampling rate in Hz.

    Returns:
        np.ndarray: (7,) float64, finite.
    """
    num = len(peaks)
    if num < MIN_BEATS:
        return np.array([UNMEASURED] * 5 + [0.0, float(num)])
    rr = np.diff(peaks) / rate  # (B - 1,) seconds
    drr = np.abs(np.diff(rr))  # (B - 2,)
    mean_rr = rr.mean()
    return np.array([
        rr.std() / mean_rr,
        np.sqrt(np.mean(drr**2)) / mean_rr,
        np.mean(drr > 0.05),
        np.median(drr) / np.median(rr),
        np.percentile(drr, 90) / mean_rr,
        mean_rr,
        float(num),
    ])


def record_features(dataset, channel: int = 0
                    ) -> Tuple[np.ndarray, np.ndarray, List[str]]:
    """The RR features, label and file of every record of a dataset.

    Args:
        dataset (SignalDataset): The dataset (with its ``sampling_rate``).
        channel (int): Channel holding the ECG lead. Defaults to 0.

    Returns:
        tuple: ``features`` (N, 7), ``labels`` (N,) and the ``filenames``.
    """
    features, labels, files = [], [], []
    for info, values, rate in record_channels(dataset, channel):
        if not rate:
            raise ValueError(
                'The RR baseline needs the dataset\'s sampling_rate '
                '(SignalDataset(sampling_rate=...)) in the config.')
        peaks = detect_r_peaks(values, rate)
        features.append(rr_features(peaks, rate))
        labels.append(int(info['label']))
        files.append(info['filename'])
    return (np.stack(features).reshape(-1, len(FEATURE_NAMES)),
            np.asarray(labels), files)


def build_classifier(seed: int = 0):
    """The gradient-boosted trees: small, fixed settings, fixed seed."""
    from sklearn.ensemble import HistGradientBoostingClassifier
    return HistGradientBoostingClassifier(
        max_iter=200, learning_rate=0.05, early_stopping=False,
        random_state=seed)


def data_samples(features: np.ndarray, labels: np.ndarray, files: List[str],
                 classifier) -> List[Dict]:
    """Data samples as a recognizer's test step returns them (and as
    ``DumpResults`` dumps them), each with its RR features."""
    probs = classifier.predict_proba(features)[:, 1]
    return binary_samples(
        probs, labels, files,
        **{name: features[:, i] for i, name in enumerate(FEATURE_NAMES)})


def run(cfg: Config, channel: int = 0, val_dump: Optional[str] = None
        ) -> Tuple[Dict[str, float], List[Dict]]:
    """Fit on train, choose thresholds on val, evaluate on test.

    Args:
        cfg (Config): The config.
        channel (int): See :func:`record_features`.
        val_dump (str, optional): Write the validation predictions here
            (``--val-dump``). Defaults to None.

    Returns:
        tuple: The test metrics and the test data samples.
    """
    train = build_split(cfg, 'train')
    if train is None:
        raise ValueError(f'{cfg.filename}: no train_dataloader to fit the '
                         'RR baseline on.')
    features, labels, _ = record_features(train, channel)
    if len(np.unique(labels)) < 2:
        raise ValueError('RR baseline: the training split holds one class '
                         f'only ({np.unique(labels)}); nothing to fit.')
    classifier = build_classifier().fit(features, labels)
    if len(labels) < 2 * classifier.min_samples_leaf:
        print_log(f'RR baseline: {len(labels)} training records are fewer '
                  f'than 2 x min_samples_leaf ({classifier.min_samples_leaf})'
                  ': the trees cannot split and every score is the same.',
                  logger='current', level=logging.WARNING)
    unmeasured = int(np.sum(features[:, 0] == UNMEASURED))
    print_log(f'RR baseline: gradient boosting on {", ".join(FEATURE_NAMES)}'
              f', fitted on {len(labels)} training records ({unmeasured} '
              f'with fewer than {MIN_BEATS} beats).', logger='current')

    def samples_of(dataset) -> List[Dict]:
        return data_samples(*record_features(dataset, channel), classifier)

    return evaluate_val_test(cfg, samples_of, 'RR baseline',
                             val_dump=val_dump)
