# Copyright (c) nl1d contributors. All rights reserved.
"""Simulate intra-operative arterial pressure recordings (SIMULATED data).

A seeded generator of multi-hour radial arterial pressure waveforms with
hypotensive episodes, their precursors and the artefacts of a real arterial
line, written as VitalDB ``.vital`` files (``SNUADC/ART``, through the
``vitaldb`` package's own writer), WFDB records (channel ``ABP``) and/or
``.npy`` arrays. They exercise the converter, the configs and the metrics
end to end. They are **not** patient data, and results on them say nothing
about clinical performance.

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

The beats, trends and episodes are drawn by ``physiology.py``, the
artefacts by ``artefacts.py``; ``writers.py`` writes the files.
``tools/data/hypotension/simulate.py`` is its command line.

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
import csv
import os
import os.path as osp
from typing import List, Optional, Sequence, Tuple

import numpy as np

from . import artefacts as artefacts_lib
from . import physiology, writers

FORMATS = ('vital', 'wfdb', 'npy')


def simulate_recording(seed: Sequence[int], cfg: 'physiology.SimConfig',
                       duration_s: Optional[int] = None
                       ) -> Tuple[np.ndarray, List['physiology.Episode']]:
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
    trends, episodes = physiology.draw_trends(rng, int(duration_s), cfg)
    abp = physiology.render_waveform(rng, trends, cfg.rate)
    if cfg.artefacts:
        abp, artefacts = artefacts_lib.add_artefacts(rng, abp, cfg.rate,
                                                     episodes)
        episodes = sorted(episodes + artefacts, key=lambda e: e.start)
    return abp.astype(np.float32), episodes


def simulate_dataset(out: str,
                     cfg: Optional['physiology.SimConfig'] = None,
                     patients: int = 24,
                     formats: Sequence[str] = ('vital', ),
                     wfdb_segments: int = 1,
                     multi_case_fraction: float = 0.15,
                     seed: int = 0) -> List[str]:
    """Write SIMULATED recordings of ``patients`` patients under ``out``,
    with ``subjects.csv`` and ``episodes.csv``.

    Args:
        out (str): The output folder.
        cfg (SimConfig, optional): Rate, lengths, episodes, artefacts.
            Defaults to ``SimConfig()``.
        patients (int): Number of simulated patients. Defaults to 24.
        formats (Sequence[str]): Of :data:`FORMATS`. Defaults to
            ``('vital',)``.
        wfdb_segments (int): Segments per WFDB record (>1: multi-segment).
            Defaults to 1.
        multi_case_fraction (float): Share of patients with a second
            recording. Defaults to 0.15.
        seed (int): Random seed. Defaults to 0.

    Returns:
        list[str]: The recording ids written.

    Raises:
        ValueError: Fewer than one patient, lengths below half an hour or
            a rate below 50 Hz.
    """
    cfg = cfg or physiology.SimConfig()
    if patients < 1:
        raise ValueError('--patients must be >= 1')
    if not 0.5 <= cfg.hours[0] <= cfg.hours[1]:
        raise ValueError('--hours MIN MAX needs 0.5 <= MIN <= MAX')
    if cfg.rate < 50:
        raise ValueError('--rate must be >= 50 Hz (the pulse has content up '
                         'to ~20 Hz)')
    unknown = set(formats) - set(FORMATS)
    if unknown:
        raise ValueError(f'unknown formats {sorted(unknown)}: use {FORMATS}')
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(seed)
    cases: List[Tuple[str, str, int, int]] = []
    for patient in range(patients):
        num_cases = 2 if rng.random() < multi_case_fraction else 1
        for case in range(num_cases):
            cases.append((f'{len(cases) + 1:04d}', f'P{patient + 1:04d}',
                          patient, case))
    rows = []
    for k, (case_id, subject, patient, case) in enumerate(cases, 1):
        abp, episodes = simulate_recording([seed, patient, case], cfg)
        _write_recording(out, case_id, abp, cfg.rate, formats, wfdb_segments)
        rows += [(case_id, subject, e.kind, f'{e.start:.1f}', f'{e.end:.1f}')
                 for e in episodes]
        events = sum(e.kind in ('gradual', 'abrupt') for e in episodes)
        print(f'[{k}/{len(cases)}] case {case_id} ({subject}): '
              f'{len(abp) / cfg.rate / 3600:.2f} h at {cfg.rate} Hz, '
              f'{events} hypotensive episode(s)', flush=True)
    with open(osp.join(out, 'subjects.csv'), 'w', newline='') as f:
        writer = csv.writer(f)
        writer.writerow(['caseid', 'subjectid'])
        writer.writerows((c[0], c[1]) for c in cases)
    with open(osp.join(out, 'episodes.csv'), 'w', newline='') as f:
        writer = csv.writer(f)
        writer.writerow(['recording', 'patient', 'kind', 'start_s', 'end_s'])
        writer.writerows(rows)
    print(f'wrote {len(cases)} SIMULATED recordings of {patients} '
          f'patients to {out} ({", ".join(formats)}); '
          f'subjects.csv maps recordings to patients, episodes.csv lists '
          'the drawn episodes and artefacts.')
    return [c[0] for c in cases]


def _write_recording(out: str, case_id: str, abp: np.ndarray, rate: int,
                     formats: Sequence[str], wfdb_segments: int) -> None:
    """One recording in each of ``formats``: ``<case>.vital``,
    ``wfdb/<case>.hea``, ``npy/<case>.npy``."""
    if 'vital' in formats:
        writers.write_vital(osp.join(out, f'{case_id}.vital'), abp, rate)
    if 'wfdb' in formats:
        os.makedirs(osp.join(out, 'wfdb'), exist_ok=True)
        writers.write_wfdb(osp.join(out, 'wfdb', case_id), abp, rate,
                           wfdb_segments)
    if 'npy' in formats:
        os.makedirs(osp.join(out, 'npy'), exist_ok=True)
        np.save(osp.join(out, 'npy', f'{case_id}.npy'), abp)
