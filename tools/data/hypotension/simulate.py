# Copyright (c) nl1d contributors. All rights reserved.
"""Simulate intra-operative arterial pressure recordings (SIMULATED data,
not patient data): the command line of
:func:`nl1d.datasets.hypotension.simulate_dataset` (the model is described
in :mod:`nl1d.datasets.hypotension.simulate`).

Example:
    python tools/data/hypotension/simulate.py --out data/hypotension_sim \
        --patients 24 --hours 1 1.5 --seed 0 --formats vital
    python tools/data/hypotension/convert.py --src data/hypotension_sim \
        --out data/hypotension --patient-map data/hypotension_sim/subjects.csv
"""
import argparse
from typing import List, Optional, Sequence

from nl1d.datasets.hypotension import SimConfig, simulate_dataset
from nl1d.datasets.hypotension.simulate import FORMATS


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        description='Write SIMULATED intra-operative arterial pressure '
        'recordings with hypotensive episodes (.vital / WFDB / .npy).')
    parser.add_argument('--out', required=True, help='output folder')
    parser.add_argument('--patients', type=int, default=24,
                        help='number of simulated patients')
    parser.add_argument('--hours', type=float, nargs=2,
                        default=SimConfig.hours, metavar=('MIN', 'MAX'),
                        help='range of recording lengths, hours')
    parser.add_argument('--rate', type=int, default=SimConfig.rate,
                        help='sampling rate of the written waveforms, Hz '
                        '(VitalDB SNUADC: 500)')
    parser.add_argument('--formats', nargs='+', default=['vital'],
                        choices=FORMATS, help='file formats to write')
    parser.add_argument('--wfdb-segments', type=int, default=1,
                        help='segments per WFDB record (>1: multi-segment)')
    parser.add_argument('--multi-case-fraction', type=float, default=0.15,
                        help='share of patients with a second recording')
    parser.add_argument('--abrupt-fraction', type=float,
                        default=SimConfig.abrupt_fraction,
                        help='share of episodes with only a slight MAP '
                        'decline before the fall')
    parser.add_argument('--no-artefacts', action='store_true',
                        help='leave out flushes, damping, zeroing and gaps')
    parser.add_argument('--seed', type=int, default=0, help='random seed')
    return parser


def main(argv: Optional[Sequence[str]] = None) -> List[str]:
    """Simulate; returns the recording ids written."""
    parser = build_parser()
    args = parser.parse_args(argv)
    cfg = SimConfig(
        rate=args.rate,
        hours=tuple(args.hours),
        abrupt_fraction=args.abrupt_fraction,
        artefacts=not args.no_artefacts)
    try:
        return simulate_dataset(args.out, cfg, args.patients, args.formats,
                                args.wfdb_segments, args.multi_case_fraction,
                                args.seed)
    except ValueError as e:  # --patients, --hours or --rate out of range
        parser.error(str(e))


if __name__ == '__main__':
    main()
