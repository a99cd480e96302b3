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
The beats, trends and episodes are drawn by ``physiology.py``, the
artefacts by ``artefacts.py``; ``writers.py`` writes the files.

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
from typing import List, Optional, Sequence, Tuple

import numpy as np

from nl1d.utils.sibling_import import import_sibling

physiology = import_sibling(__file__, 'physiology')
artefacts_lib = import_sibling(__file__, 'artefacts')
writers = import_sibling(__file__, 'writers')

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
    cfg = physiology.SimConfig(
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
            writers.write_vital(osp.join(args.out, f'{case_id}.vital'), abp,
                                cfg.rate)
        if 'wfdb' in args.formats:
            os.makedirs(osp.join(args.out, 'wfdb'), exist_ok=True)
            writers.write_wfdb(osp.join(args.out, 'wfdb', case_id), abp,
                               cfg.rate, args.wfdb_segments)
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
