# Copyright (c) nl1d contributors. All rights reserved.
"""Simulate intra-operative arterial pressure recordings (SIMULATED data).

A seeded generator of multi-hour radial arterial pressure waveforms with
hypotensive episodes, their precursors and the artefacts of a real arterial
line, written as VitalDB ``.vital`` files (``SNUADC/ART``, through the
``vitaldb`` package's own writer), WFDB records (channel ``ABP``) and/or
``.npy`` arrays. It exists because VitalDB cannot be downloaded on the
machines nl1d is developed on: the data exercise the converter, the configs
and the metrics end to end. They are **not** patient data, and results on
them say nothing about clinical performance.

The model, per patient (every number drawn from the seeded generator):

- **Beats.** Heart rate (55-90/min, slow random drift, respiratory sinus
  arrhythmia) drives a beat phase; each beat is a pulse template with a
  systolic peak, a reflected (tidal) wave, a dicrotic notch and a dicrotic
  wave over an exponential diastolic run-off, scaled between diastolic and
  systolic pressure. Mechanical ventilation (10-16/min) modulates pulse
  pressure (pulse pressure variation, PPV) and, slightly, the mean.
- **Mean pressure.** A patient baseline (75-95 mmHg) with a slow random
  drift (Ornstein-Uhlenbeck, 10 min time constant).
- **Hypotensive episodes** (0.5-2 per hour): MAP falls to a nadir of
  48-62 mmHg, stays 1.5-6 min, and recovers over 2-4 min (treatment).
  Before each, over 5-12 minutes, **precursors** build up, with a random
  strength (15-100 %): pulse pressure narrows, heart rate changes (mostly
  rises), PPV grows (hypovolaemia) and the reflected and dicrotic waves
  fade (vasodilation). In *gradual*
  episodes (3 in 4) MAP also declines to 66-72 mmHg early in that time and
  hovers there; in *abrupt* ones it declines by only 3-8 mmHg until the
  fall 40-90 s before the event, so mostly the waveform warns. Patient
  baselines differ and decoys exist (below), so the current MAP alone is a
  good but imperfect predictor: the task is learnable, not trivially.
- **Mimics and decoys**: the same precursors building up and resolving
  without an event (0.6 per hour, MAP sagging 3-8 mmHg: treated in time);
  MAP dips to 66-73 mmHg that recover on their own; transient dips below
  65 mmHg shorter than a minute (no event by the definition). Pulse
  pressure, PPV and vascular tone also differ between patients and drift,
  so no single waveform feature gives the answer away.
- **Artefacts**: flushes of the line (250-320 mmHg plateau for 2-6 s,
  then a ringing drop), over-damping (minutes of a low-passed waveform,
  narrow pulse pressure, no notch), zeroing (0 mmHg for 10-60 s) and
  disconnections (missing samples for 5-60 s).

The episodes and artefacts drawn are written to ``episodes.csv``
(``recording,patient,kind,start_s,end_s``) next to the recordings, and
``subjects.csv`` (``caseid,subjectid``, the columns of VitalDB's clinical
data) maps recordings to patients: with ``--multi-case-fraction`` some
patients have two recordings, to exercise patient-level splitting.

Example:
    python tools/data/hypotension/simulate.py --out data/hypotension_sim \
        --patients 24 --hours 1 1.5 --seed 0 --formats vital
    python tools/data/hypotension/convert.py --src data/hypotension_sim \
        --out data/hypotension --patient-map data/hypotension_sim/subjects.csv
"""
import argparse
import csv
import os
import os.path as osp
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

#: Wave track name of the simulated .vital files (VitalDB's radial line).
VITAL_TRACK = 'SNUADC/ART'
#: Channel name of the simulated WFDB records (PhysioNet's convention).
WFDB_CHANNEL = 'ABP'
FORMATS = ('vital', 'wfdb', 'npy')
#: Nominal start time of every simulated file (unix seconds; 2100-01-01,
#: VitalDB's anonymised date).
DT_START = 4102444800.0


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


def _trends(rng: np.random.Generator, duration: int, cfg: SimConfig
            ) -> Tuple[Dict[str, np.ndarray], List[Episode]]:
    """Per-second MAP, pulse pressure, heart rate, PPV and tone."""
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


def _waveform(rng: np.random.Generator, trends: Dict[str, np.ndarray],
              rate: int) -> np.ndarray:
    """Beat-by-beat pressure at ``rate`` Hz from the per-second trends."""
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


def _add_artefacts(rng: np.random.Generator, abp: np.ndarray, rate: int,
                   avoid: List[Episode]) -> Tuple[np.ndarray, List[Episode]]:
    """Flushes, over-damping, zeroing and gaps, at random times."""
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


def simulate_recording(seed: Sequence[int], cfg: SimConfig,
                       duration_s: Optional[int] = None
                       ) -> Tuple[np.ndarray, List[Episode]]:
    """One simulated recording.

    Args:
        seed (Sequence[int]): Seed of the recording's generator (e.g.
            ``[global_seed, patient, case]``).
        cfg (SimConfig): The simulator's knobs.
        duration_s (int, optional): Length, seconds; drawn from
            ``cfg.hours`` when None.

    Returns:
        tuple: ``abp`` (T,) float32 mmHg at ``cfg.rate`` (NaN in gaps) and
        the episodes and artefacts drawn.
    """
    rng = np.random.default_rng(list(seed))
    if duration_s is None:
        duration_s = int(rng.uniform(*cfg.hours) * 3600)
    if duration_s < 30 * 60:
        raise ValueError(f'simulated recordings last at least 30 min, got '
                         f'{duration_s} s.')
    trends, episodes = _trends(rng, int(duration_s), cfg)
    abp = _waveform(rng, trends, cfg.rate)
    if cfg.artefacts:
        abp, artefacts = _add_artefacts(rng, abp, cfg.rate, episodes)
        episodes = sorted(episodes + artefacts, key=lambda e: e.start)
    return abp.astype(np.float32), episodes


def write_vital(path: str, abp: np.ndarray, rate: int,
                track: str = VITAL_TRACK) -> None:
    """Write a waveform as a VitalDB ``.vital`` file with ``vitaldb``.

    Samples are stored as the Vital Recorder stores them: one record per
    second of signal, missing samples (NaN) left out as gaps between
    records.

    Args:
        path (str): Output ``.vital`` file.
        abp (np.ndarray): (T,) pressure, mmHg.
        rate (int): Sampling rate, Hz.
        track (str): ``DEVICE/TRACK`` name. Defaults to ``SNUADC/ART``.
    """
    import vitaldb
    vf = vitaldb.VitalFile()
    vf.dtstart = DT_START
    vf.dtend = DT_START + len(abp) / rate
    finite = np.isfinite(abp)
    records = []
    padded = np.concatenate([[False], finite, [False]]).astype(np.int8)
    edges = np.flatnonzero(np.diff(padded))
    for run_start, run_end in zip(edges[0::2], edges[1::2]):
        for start in range(run_start, run_end, rate):
            end = min(start + rate, run_end)
            records.append(
                dict(dt=DT_START + start / rate,
                     val=np.asarray(abp[start:end], dtype=np.float32)))
    vf.add_track(track, records, srate=rate, unit='mmHg', mindisp=0,
                 maxdisp=200)
    # Unpacked, as recorded (the reader assembles the records; packets of
    # an unpacked file must stay under 1 MB).
    vf.to_vital(path, compresslevel=6, packed=False)


def write_wfdb(record_path: str, abp: np.ndarray, rate: int,
               segments: int = 1, channel: str = WFDB_CHANNEL) -> None:
    """Write a waveform as a WFDB record (16-bit, 0.01 mmHg resolution).

    Args:
        record_path (str): Output record path without extension.
        abp (np.ndarray): (T,) pressure, mmHg.
        rate (int): Sampling rate, Hz.
        segments (int): With more than 1, a multi-segment record (as
            MIMIC's): equal segments, a master header listing them, the
            missing stretches kept as NaN samples. Defaults to 1.
        channel (str): Channel name. Defaults to ``ABP``.
    """
    import wfdb
    write_dir, name = osp.split(record_path)
    write_dir = write_dir or '.'
    values = np.asarray(abp, dtype=np.float64)

    def write(seg_name: str, x: np.ndarray) -> None:
        wfdb.wrsamp(seg_name, fs=rate, units=['mmHg'], sig_name=[channel],
                    p_signal=x[:, None], fmt=['16'], adc_gain=[100.0],
                    baseline=[0], write_dir=write_dir)

    if segments <= 1:
        write(name, values)
        return
    bounds = np.linspace(0, len(values), segments + 1).astype(np.int64)
    lines = [f'{name}/{segments} 1 {rate} {len(values)}']
    for k in range(segments):
        seg_name = f'{name}_{k + 1:04d}'
        write(seg_name, values[bounds[k]:bounds[k + 1]])
        lines.append(f'{seg_name} {bounds[k + 1] - bounds[k]}')
    with open(osp.join(write_dir, f'{name}.hea'), 'w') as f:
        f.write('\n'.join(lines) + '\n')


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Write SIMULATED intra-operative arterial pressure '
        'recordings with hypotensive episodes (.vital / WFDB / .npy).')
    parser.add_argument('--out', required=True, help='output folder')
    parser.add_argument('--patients', type=int, default=24,
                        help='number of simulated patients')
    parser.add_argument('--hours', type=float, nargs=2, default=(1.0, 2.0),
                        metavar=('MIN', 'MAX'),
                        help='range of recording lengths, hours')
    parser.add_argument('--rate', type=int, default=500,
                        help='sampling rate of the written waveforms, Hz '
                        '(VitalDB SNUADC: 500)')
    parser.add_argument('--formats', nargs='+', default=['vital'],
                        choices=FORMATS, help='file formats to write')
    parser.add_argument('--wfdb-segments', type=int, default=1,
                        help='segments per WFDB record (>1: multi-segment)')
    parser.add_argument('--multi-case-fraction', type=float, default=0.15,
                        help='share of patients with a second recording')
    parser.add_argument('--abrupt-fraction', type=float, default=0.25,
                        help='share of episodes with only a slight MAP '
                        'decline before the fall')
    parser.add_argument('--no-artefacts', action='store_true',
                        help='leave out flushes, damping, zeroing and gaps')
    parser.add_argument('--seed', type=int, default=0, help='random seed')
    args = parser.parse_args(argv)
    if args.patients < 1:
        parser.error('--patients must be >= 1')
    if not 0.5 <= args.hours[0] <= args.hours[1]:
        parser.error('--hours MIN MAX needs 0.5 <= MIN <= MAX')
    if args.rate < 50:
        parser.error('--rate must be >= 50 Hz (the pulse has content up '
                     'to ~20 Hz)')
    return args


def main(argv: Optional[Sequence[str]] = None) -> List[str]:
    """Simulate; returns the recording ids written."""
    args = parse_args(argv)
    cfg = SimConfig(
        rate=args.rate,
        hours=tuple(args.hours),
        abrupt_fraction=args.abrupt_fraction,
        artefacts=not args.no_artefacts)
    os.makedirs(args.out, exist_ok=True)
    rng = np.random.default_rng(args.seed)
    cases: List[Tuple[str, str, int, int]] = []
    for patient in range(args.patients):
        num_cases = 2 if rng.random() < args.multi_case_fraction else 1
        for case in range(num_cases):
            cases.append((f'{len(cases) + 1:04d}', f'P{patient + 1:04d}',
                          patient, case))
    rows = []
    for k, (case_id, subject, patient, case) in enumerate(cases, 1):
        abp, episodes = simulate_recording([args.seed, patient, case], cfg)
        if 'vital' in args.formats:
            write_vital(osp.join(args.out, f'{case_id}.vital'), abp, cfg.rate)
        if 'wfdb' in args.formats:
            os.makedirs(osp.join(args.out, 'wfdb'), exist_ok=True)
            write_wfdb(osp.join(args.out, 'wfdb', case_id), abp, cfg.rate,
                       args.wfdb_segments)
        if 'npy' in args.formats:
            os.makedirs(osp.join(args.out, 'npy'), exist_ok=True)
            np.save(osp.join(args.out, 'npy', f'{case_id}.npy'), abp)
        rows += [(case_id, subject, e.kind, f'{e.start:.1f}', f'{e.end:.1f}')
                 for e in episodes]
        events = sum(e.kind in ('gradual', 'abrupt') for e in episodes)
        print(f'[{k}/{len(cases)}] case {case_id} ({subject}): '
              f'{len(abp) / cfg.rate / 3600:.2f} h at {cfg.rate} Hz, '
              f'{events} hypotensive episode(s)', flush=True)
    with open(osp.join(args.out, 'subjects.csv'), 'w', newline='') as f:
        writer = csv.writer(f)
        writer.writerow(['caseid', 'subjectid'])
        writer.writerows((c[0], c[1]) for c in cases)
    with open(osp.join(args.out, 'episodes.csv'), 'w', newline='') as f:
        writer = csv.writer(f)
        writer.writerow(['recording', 'patient', 'kind', 'start_s', 'end_s'])
        writer.writerows(rows)
    print(f'wrote {len(cases)} SIMULATED recordings of {args.patients} '
          f'patients to {args.out} ({", ".join(args.formats)}); '
          f'subjects.csv maps recordings to patients, episodes.csv lists '
          'the drawn episodes and artefacts.')
    return [c[0] for c in cases]


if __name__ == '__main__':
    main()
