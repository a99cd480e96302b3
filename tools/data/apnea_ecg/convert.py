# Copyright (c) nl1d contributors. All rights reserved.
"""Convert the PhysioNet Apnea-ECG database to per-minute nl1d samples: the
command line of :func:`nl1d.datasets.apnea_ecg.convert` (what it writes and
how it splits is documented there).

Example:
    python tools/data/apnea_ecg/convert.py --src APNEA_ECG_DIR \
        --out data/apnea_ecg_rr --signal rr
"""
import argparse
from typing import Dict, List, Optional, Sequence

from nl1d.datasets.apnea_ecg import convert


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    # Options left out take convert()'s defaults.
    parser = argparse.ArgumentParser(
        description='Convert Apnea-ECG to per-minute .npy signals and nl1d '
        'annotation files.',
        argument_default=argparse.SUPPRESS)
    parser.add_argument('--src', required=True,
                        help='folder of the PhysioNet apnea-ecg release')
    parser.add_argument('--out', required=True, help='output DATA_DIR')
    parser.add_argument('--signal', choices=('ecg', 'rr'),
                        help='ECG samples (needs .dat) or RR tachogram '
                        '(default: ecg)')
    parser.add_argument('--context', type=int,
                        help='minutes of context on each side (default: 2)')
    parser.add_argument('--rr-rate', type=float,
                        help='sampling rate of the RR series in Hz '
                        '(default: 4)')
    parser.add_argument(
        '--answers',
        help='per-minute test labels, relative to --src (default: '
        'answers/event-2-answers)')
    parser.add_argument(
        '--records',
        help='comma-separated records to convert (default: all)')
    parser.add_argument(
        '--limit', type=int,
        help='convert only the first N records of each split, for a check')
    return parser.parse_args(argv)


def main(argv: Optional[Sequence[str]] = None) -> Dict[str, List[str]]:
    """Convert; returns the annotation lines written, by file name."""
    return convert(**vars(parse_args(argv)))


if __name__ == '__main__':
    main()
