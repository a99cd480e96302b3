# Copyright (c) nl1d contributors. All rights reserved.
"""One recording to labelled windows: read it (``readers.py``), resample
it to ``--rate``, label its windows (``labels.py``) and write the kept
ones as ``signals/<recording>/<start_s>.npy``."""
import os
import os.path as osp
from fractions import Fraction
from typing import Dict, Tuple

import numpy as np

from . import labels as labels_lib
from . import readers
from .config import ConvertConfig


def label_config(args: ConvertConfig) -> 'labels_lib.LabelConfig':
    """The :class:`labels.LabelConfig` of the command line."""
    return labels_lib.LabelConfig(
        threshold=args.threshold,
        min_duration=args.min_duration,
        horizon=int(round(args.horizon * 60)),
        post_event=int(round(args.post_event * 60)),
        map_window=args.map_window,
        map_min=args.map_min,
        map_max=args.map_max,
        min_pulse_pressure=args.min_pulse_pressure,
        flat_seconds=args.flat_seconds,
        flat_tol=args.flat_tol)


def resample(signal: np.ndarray, in_rate: float, out_rate: int
             ) -> np.ndarray:
    """Resample with ``scipy.signal.resample_poly``, keeping gaps as NaN.

    Gaps are bridged linearly for the filter, then every output sample
    within 0.1 s of a missing input sample is set back to NaN.

    Args:
        signal (np.ndarray): (T,) samples, NaN where missing.
        in_rate (float): Input rate, Hz.
        out_rate (int): Output rate, Hz.

    Returns:
        np.ndarray: (T * out_rate / in_rate,) float64.
    """
    from scipy.ndimage import maximum_filter1d
    from scipy.signal import resample_poly
    ratio = Fraction(out_rate) / Fraction(in_rate).limit_denominator(1000)
    if ratio == 1:
        return np.asarray(signal, dtype=np.float64)
    missing = ~np.isfinite(signal)
    filled = np.asarray(signal, dtype=np.float64)
    if missing.any():
        good = np.flatnonzero(~missing)
        filled = np.interp(np.arange(len(signal)), good, filled[good])
    out = resample_poly(filled, ratio.numerator, ratio.denominator)
    if missing.any():
        pad = max(int(round(0.1 * in_rate)), 1)
        wide = maximum_filter1d(missing.astype(np.uint8), 2 * pad + 1) > 0
        source = np.minimum(
            np.round(np.arange(len(out)) * in_rate / out_rate).astype(
                np.int64), len(signal) - 1)
        out[wide[source]] = np.nan
    return out


def convert_recording(task: Tuple[str, str, str, ConvertConfig]
                      ) -> Dict:
    """Read, resample, label and write the windows of one recording.

    Args:
        task (tuple): ``(path, recording_id, patient_id, args)``.

    Returns:
        dict: ``id``, ``patient``, ``windows`` (rows for the annotation
        files and windows.csv), ``counts``, ``events``, ``hours`` and
        ``skipped`` (a reason, or None).
    """
    path, rec_id, patient, args = task
    result = dict(id=rec_id, patient=patient, path=path, windows=[],
                  counts={}, events=0, hours=0.0, skipped=None)
    try:
        recording = readers.read_recording(
            path,
            tracks=[t for t in args.track.split(',') if t],
            channels=[c for c in args.channel.split(',') if c],
            input_rate=args.input_rate,
            npy_channel=args.npy_channel)
    except readers.MissingTrackError:
        if not args.skip_missing:
            raise
        result['skipped'] = 'no pressure track'
        return result
    signal = resample(recording.signal, recording.rate, args.rate)
    result['hours'] = len(signal) / args.rate / 3600
    labelled = labels_lib.label_recording(signal, args.rate, args.window,
                                          args.stride, label_config(args))
    result['counts'] = dict(labelled.counts)
    result['counts']['windows'] = len(labelled.starts)
    result['events'] = len(labelled.events)
    length = args.window * args.rate
    folder = osp.join(args.out, 'signals', rec_id)
    os.makedirs(folder, exist_ok=True)
    offset = recording.offset
    for i in np.flatnonzero(labelled.labels >= 0):
        t0 = int(labelled.starts[i])
        start_s = int(np.floor(offset)) + t0
        rel = f'signals/{rec_id}/{start_s:06d}.npy'
        window = signal[t0 * args.rate:t0 * args.rate + length]
        np.save(osp.join(args.out, rel),
                window.astype(np.float32)[None])  # (1, L)
        to_event = labelled.to_event[i]
        result['windows'].append(
            dict(path=rel, num_samples=length,
                 label=int(labelled.labels[i]), start_s=start_s,
                 map=round(float(labelled.window_map[i]), 2),
                 pp=round(float(labelled.window_pp[i]), 2),
                 minutes_to_event=('' if np.isnan(to_event) else
                                   round(float(to_event) / 60, 2))))
    return result
