# Copyright (c) nl1d contributors. All rights reserved.
"""The artefacts of a real arterial line, added to a simulated waveform
(``simulate.py``, SIMULATED data): flushes with their ringing, over-damping,
zeroing of the transducer and disconnections."""
from typing import List, Optional, Tuple

import numpy as np

from . import physiology
Episode = physiology.Episode


def add_artefacts(rng: np.random.Generator, abp: np.ndarray, rate: int,
                  avoid: List[Episode]) -> Tuple[np.ndarray, List[Episode]]:
    """Flushes, over-damping, zeroing and gaps, at random times.

    Args:
        rng (np.random.Generator): The recording's generator.
        abp (np.ndarray): (T,) pressure, mmHg, changed in place.
        rate (int): Sampling rate, Hz.
        avoid (list[Episode]): Episodes no artefact may touch (30 s apart
            at least).

    Returns:
        tuple: ``abp`` and the artefacts drawn.
    """
    from scipy.signal import butter, lfilter, sosfiltfilt
    n = len(abp)
    duration = n / rate
    drawn: List[Episode] = []

    def slot(length: float) -> Optional[float]:
        for _ in range(50):
            start = rng.uniform(60, duration - length - 60)
            if all(start + length < e.start - 30 or start > e.end + 30
                   for e in avoid + drawn):
                return start
        return None

    hours = duration / 3600
    for _ in range(rng.poisson(2.0 * hours)):  # flush + fast-flush ringing
        length = rng.uniform(2, 6)
        start = slot(length + 2)
        if start is None:
            continue
        i0, i1 = int(start * rate), int((start + length) * rate)
        level = rng.uniform(250, 320)
        ramp = np.minimum(np.arange(i1 - i0) / (0.08 * rate), 1.0)
        # The plateau keeps a trace of the pulse (10 %).
        plateau = level + 0.1 * (abp[i0:i1] - abp[i0:i1].mean())
        abp[i0:i1] = abp[i0:i1] + (plateau - abp[i0:i1]) * ramp
        # Release: a sharp drop undershooting the pressure, then a few
        # decaying oscillations (the square-wave test of the line).
        ring_t = np.arange(int(1.5 * rate)) / rate
        ring = -rng.uniform(15, 35) * np.exp(-ring_t / 0.08) * np.cos(
            2 * np.pi * rng.uniform(12, 20) * ring_t)
        end = min(i1 + len(ring), n)
        abp[i1:end] = abp[i1:end] + ring[:end - i1]
        drawn.append(Episode('flush', start, start + length + 1.5))
    for _ in range(rng.poisson(0.8 * hours)):  # over-damped line
        length = rng.uniform(60, 360)
        start = slot(length)
        if start is None:
            continue
        i0, i1 = int(start * rate), int((start + length) * rate)
        sos = butter(2, rng.uniform(1.0, 2.5), fs=rate, output='sos')
        damped = sosfiltfilt(sos, abp[i0:i1])
        edge = np.minimum(np.arange(i1 - i0), np.arange(i1 - i0)[::-1])
        blend = np.minimum(edge / (5.0 * rate), 1.0)
        abp[i0:i1] = abp[i0:i1] + (damped - abp[i0:i1]) * blend
        drawn.append(Episode('damping', start, start + length))
    for _ in range(rng.poisson(0.7 * hours)):  # zeroing the transducer
        length = rng.uniform(10, 60)
        start = slot(length)
        if start is None:
            continue
        i0, i1 = int(start * rate), int((start + length) * rate)
        b, a = butter(1, 5, fs=rate)
        abp[i0:i1] = lfilter(b, a, rng.normal(0, 0.2, i1 - i0))
        drawn.append(Episode('zero', start, start + length))
    for _ in range(rng.poisson(0.7 * hours)):  # disconnection: no data
        length = rng.uniform(5, 60)
        start = slot(length)
        if start is None:
            continue
        abp[int(start * rate):int((start + length) * rate)] = np.nan
        drawn.append(Episode('gap', start, start + length))
    return abp, drawn
