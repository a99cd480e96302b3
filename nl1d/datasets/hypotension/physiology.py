# Copyright (c) nl1d contributors. All rights reserved.
"""The simulated patient of ``simulate.py`` (SIMULATED data): per-second
trends of mean pressure, pulse pressure, heart rate, pulse pressure
variation and vascular tone, with hypotensive episodes, their precursors,
mimics and decoys, and the beat-by-beat radial pressure waveform they
drive. The model and its numbers are described in ``simulate.py``."""
from dataclasses import dataclass
from typing import Dict, List, Tuple

import numpy as np


@dataclass
class SimConfig:
    """Knobs of the simulator (the physiology is fixed, see the module
    docstring).

    Args:
        rate (int): Sampling rate of the written waveforms, Hz.
            Defaults to 500 (VitalDB's SNUADC).
        hours (tuple[float, float]): Range of recording lengths, hours.
            Defaults to (1.0, 2.0).
        episodes_per_hour (tuple[float, float]): Range of the patient's
            rate of hypotensive episodes. Defaults to (0.5, 2.0).
        abrupt_fraction (float): Share of episodes whose MAP declines only
            3-8 mmHg before the fall. Defaults to 0.25.
        artefacts (bool): Add flushes, damping, zeroing and gaps.
            Defaults to True.
    """
    rate: int = 500
    hours: Tuple[float, float] = (1.0, 2.0)
    episodes_per_hour: Tuple[float, float] = (0.5, 2.0)
    abrupt_fraction: float = 0.25
    artefacts: bool = True


@dataclass
class Episode:
    """One drawn episode or artefact, seconds from the recording start."""
    kind: str
    start: float
    end: float


def _ou(rng: np.random.Generator, n: int, tau: float, sigma: float
        ) -> np.ndarray:
    """An Ornstein-Uhlenbeck path at 1 s steps, stationary std ``sigma``."""
    a = np.exp(-1.0 / tau)
    noise = rng.normal(0, sigma * np.sqrt(1 - a * a), n)
    out = np.empty(n)
    out[0] = rng.normal(0, sigma)
    for i in range(1, n):
        out[i] = a * out[i - 1] + noise[i]
    return out


def _smoothstep(x: np.ndarray) -> np.ndarray:
    x = np.clip(x, 0.0, 1.0)
    return x * x * (3 - 2 * x)


def _gauss(u: np.ndarray, centre: float, width: float) -> np.ndarray:
    return np.exp(-0.5 * ((u - centre) / width)**2)


def pulse_template(tone: float, num: int = 1000) -> np.ndarray:
    """One beat of radial pressure, 0 at end-diastole, 1 at the peak.

    Args:
        tone (float): Vascular tone in [0, 1]: 1 is normal (strong
            reflected and dicrotic waves, slow run-off), 0 vasodilated
            (faint reflection, early shallow notch, fast run-off).
        num (int): Points over the beat. Defaults to 1000.

    Returns:
        np.ndarray: (num,) the template over the beat phase [0, 1).
    """
    u = np.arange(num) / num
    systolic = _gauss(u, 0.13, 0.045)
    reflected = (0.25 + 0.35 * tone) * _gauss(u, 0.27, 0.06)
    notch_at = 0.40 + 0.04 * tone
    dicrotic = (0.10 + 0.22 * tone) * _gauss(u, notch_at + 0.08, 0.05)
    runoff_tau = 0.25 + 0.35 * tone
    runoff = (0.45 + 0.15 * tone) * np.exp(-(u - 0.2) / runoff_tau) * \
        _smoothstep((u - 0.08) / 0.15)
    wave = systolic + reflected + dicrotic + runoff
    # End-diastole at both ends: remove the line through the end points.
    wave = wave - (wave[0] + (wave[-1] - wave[0]) * u)
    wave = np.maximum(wave, 0.0)
    return wave / wave.max()


#: Seconds each kind of episode occupies before and after its start.
_SPANS = {
    'gradual': (12 * 60, 10 * 60),
    'abrupt': (12 * 60, 10 * 60),
    'mimic': (12 * 60, 6 * 60),
    'dip': (0, 14 * 60),
    'transient': (60, 2 * 60),
}


def _draw_events(rng: np.random.Generator, duration: float,
                 cfg: SimConfig) -> List[Episode]:
    """Hypotensive episodes, then mimics and decoys where they fit, none
    overlapping another (2 min apart at least)."""
    episodes: List[Episode] = []
    hours = duration / 3600
    rate = rng.uniform(*cfg.episodes_per_hour)
    kinds = ['gradual' if rng.random() > cfg.abrupt_fraction else 'abrupt'
             for _ in range(rng.poisson(rate * hours))]
    others = (['mimic'] * rng.poisson(0.6 * hours) +
              ['dip'] * rng.poisson(0.5 * hours) +
              ['transient'] * rng.poisson(0.4 * hours))
    rng.shuffle(others)
    for kind in kinds + others:
        before, after = _SPANS[kind]
        for _ in range(50):  # find a free slot
            start = rng.uniform(before + 2 * 60, duration - after - 2 * 60)
            if all(start + after + 120 < e.start - _SPANS[e.kind][0]
                   or start - before - 120 > e.start + _SPANS[e.kind][1]
                   for e in episodes):
                episodes.append(Episode(kind, start, start))
                break
    return sorted(episodes, key=lambda e: e.start)


def _precursors(rng: np.random.Generator, trends: Dict[str, np.ndarray],
                envelope: np.ndarray, hr_sign: float) -> None:
    """Waveform signs of a coming fall, scaled by a random intensity:
    pulse pressure narrows, heart rate changes, pulse pressure variation
    grows and the vascular tone (reflected and dicrotic waves) fades."""
    strength = rng.uniform(0.15, 1.0) * envelope
    trends['pp'] *= 1 - 0.35 * strength
    trends['hr'] += hr_sign * rng.uniform(5, 20) * strength
    trends['ppv'] += (rng.uniform(0.10, 0.20) - trends['ppv']) * strength
    trends['tone'] -= 0.6 * strength


def _episode_map(rng: np.random.Generator, t: np.ndarray,
                 base: np.ndarray, kind: str, onset: float, lead: float,
                 fall: float, hold: float, recover: float,
                 nadir: float) -> np.ndarray:
    """MAP path through one hypotensive episode, over the baseline.

    ``gradual``: declines to 66-72 mmHg during the precursor lead, then
    falls; ``abrupt``: declines by only 3-8 mmHg until the fall. Then below
    63 mmHg for ``hold`` seconds, and back to the baseline over
    ``recover``.
    """
    path = base.copy()
    decline = (t >= onset - lead) & (t < onset - fall)
    if kind == 'gradual':
        level = np.minimum(rng.uniform(66, 72), base[decline])
    else:
        level = base[decline] - rng.uniform(3, 8)
    # The decline completes within the first 40-80 % of the lead; MAP then
    # hovers at its level until the fall.
    span = rng.uniform(0.4, 0.8) * (lead - fall)
    weight = _smoothstep((t[decline] - (onset - lead)) / span)
    path[decline] = base[decline] + (level - base[decline]) * weight
    before = np.flatnonzero(t < onset - fall)
    start = path[before[-1]] if before.size else base[0]
    falling = (t >= onset - fall) & (t < onset)
    path[falling] = start + (nadir - start) * _smoothstep(
        (t[falling] - (onset - fall)) / fall)
    low = (t >= onset) & (t < onset + hold)
    path[low] = np.minimum(nadir + rng.normal(0, 1.0, low.sum()), 63.0)
    rising = (t >= onset + hold) & (t < onset + hold + recover)
    path[rising] = nadir + (base[rising] - nadir) * _smoothstep(
        (t[rising] - (onset + hold)) / recover)
    return path


def draw_trends(rng: np.random.Generator, duration: int, cfg: SimConfig
                ) -> Tuple[Dict[str, np.ndarray], List[Episode]]:
    """Per-second MAP, pulse pressure, heart rate, PPV and tone.

    Args:
        rng (np.random.Generator): The recording's generator.
        duration (int): Length, seconds.
        cfg (SimConfig): The simulator's knobs.

    Returns:
        tuple: The trends (``map``, ``pp``, ``hr``, ``ppv``, ``tone``, each
        (duration,)) and the episodes drawn.
    """
    n = duration
    t = np.arange(n, dtype=np.float64)
    trends = dict(
        map=rng.uniform(75, 95) + _ou(rng, n, 600, 4.0),
        pp=rng.uniform(40, 65) * (1 + _ou(rng, n, 900, 0.08)),
        hr=rng.uniform(55, 90) + _ou(rng, n, 300, 3.0),
        ppv=rng.uniform(0.03, 0.12) + _ou(rng, n, 600, 0.015),
        tone=rng.uniform(0.55, 1.0) + _ou(rng, n, 900, 0.08))
    hr_sign = 1.0 if rng.random() > 0.2 else -0.5

    drawn = []
    for ep in _draw_events(rng, duration, cfg):
        onset = ep.start
        if ep.kind in ('gradual', 'abrupt'):
            lead = rng.uniform(5, 12) * 60  # precursor build-up
            hold = rng.uniform(1.5, 6) * 60
            recover = rng.uniform(2, 4) * 60
            fall = rng.uniform(40, 90)
            nadir = rng.uniform(48, 62)
            pre = _smoothstep((t - (onset - lead)) / lead)  # 0 -> 1
            post = 1 - _smoothstep((t - (onset + hold)) / recover)  # 1 -> 0
            envelope = np.where(t < onset, pre, np.where(
                t < onset + hold, 1.0, post))
            _precursors(rng, trends, envelope, hr_sign)
            trends['map'] = _episode_map(rng, t, trends['map'], ep.kind,
                                         onset, lead, fall, hold, recover,
                                         nadir)
            drawn.append(Episode(ep.kind, onset, onset + hold))
        elif ep.kind == 'mimic':
            # The same waveform signs building up, then resolving (treated
            # in time, e.g. with fluids): MAP sags 3-8 mmHg, no event.
            lead = rng.uniform(5, 12) * 60
            resolve = rng.uniform(3, 6) * 60
            envelope = np.where(
                t < onset, _smoothstep((t - (onset - lead)) / lead),
                1 - _smoothstep((t - onset) / resolve))
            _precursors(rng, trends, envelope, hr_sign)
            trends['map'] = trends['map'] - rng.uniform(3, 8) * envelope
            drawn.append(Episode('mimic', onset - lead, onset + resolve))
        elif ep.kind == 'dip':
            length = rng.uniform(5, 14) * 60
            level = rng.uniform(66, 73)
            shape = np.sin(np.pi * np.clip((t - onset) / length, 0, 1))**2
            base = trends['map']
            trends['map'] = base + (np.minimum(level, base) - base) * shape
            drawn.append(Episode('dip', onset, onset + length))
        else:  # transient: below 65 for 20-45 s, no event
            length = rng.uniform(20, 45)
            edge = 15.0
            inside = _smoothstep((t - onset + edge) / edge) * \
                (1 - _smoothstep((t - onset - length) / edge))
            base = trends['map']
            trends['map'] = base + (rng.uniform(56, 62) - base) * inside
            drawn.append(Episode('transient', onset, onset + length))
    trends.update(
        pp=np.clip(trends['pp'], 22, 90),
        hr=np.clip(trends['hr'], 38, 150),
        ppv=np.clip(trends['ppv'], 0.0, 0.3),
        tone=np.clip(trends['tone'], 0.0, 1.0))
    return trends, drawn


def render_waveform(rng: np.random.Generator,
                    trends: Dict[str, np.ndarray], rate: int) -> np.ndarray:
    """Beat-by-beat pressure at ``rate`` Hz from the per-second trends.

    Args:
        rng (np.random.Generator): The recording's generator.
        trends (dict[str, np.ndarray]): From :func:`draw_trends`.
        rate (int): Sampling rate, Hz.

    Returns:
        np.ndarray: (len(trends['map']) * rate,) pressure, mmHg.
    """
    n_sec = len(trends['map'])
    n = n_sec * rate
    t = np.arange(n) / rate
    sec = np.arange(n_sec) + 0.5

    def up(x: np.ndarray) -> np.ndarray:
        return np.interp(t, sec, x)

    resp_rate = rng.uniform(10, 16) / 60  # ventilator, Hz
    resp = np.sin(2 * np.pi * resp_rate * t + rng.uniform(0, 2 * np.pi))
    heart_rate = up(trends['hr']) + 1.5 * resp  # sinus arrhythmia
    phase = np.cumsum(heart_rate / 60 / rate)
    beat = np.floor(phase).astype(np.int64)
    u = phase - beat
    # Beat-to-beat jitter of the pulse pressure (+-3 %).
    jitter = 1 + rng.normal(0, 0.03, beat[-1] + 1)[beat]
    tone = up(trends['tone'])
    normal, dilated = pulse_template(1.0), pulse_template(0.0)
    idx = np.minimum((u * len(normal)).astype(np.int64), len(normal) - 1)
    shape = tone * normal[idx] + (1 - tone) * dilated[idx]
    shape_mean = tone * normal.mean() + (1 - tone) * dilated.mean()
    pulse_p = up(trends['pp']) * (1 + 0.5 * up(trends['ppv']) * resp) * jitter
    mean_ap = up(trends['map']) + 1.0 * resp
    diastolic = mean_ap - pulse_p * shape_mean
    return diastolic + pulse_p * shape + rng.normal(0, 0.3, n)
