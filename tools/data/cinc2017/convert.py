# Copyright (c) nl1d contributors. All rights reserved.
"""Convert the PhysioNet/CinC Challenge 2017 AF database to nl1d's format:
the command line of :func:`nl1d.datasets.cinc2017.convert` (what it writes
and how it splits is documented there).

Example:
    python tools/data/cinc2017/convert.py --src CINC2017_DIR \
        --out data/cinc2017 --rate 100
"""
import argparse
from typing import Dict, List, Optional, Sequence

from nl1d.datasets.cinc2017 import NATIVE_RATE, convert


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    # Options left out take convert()'s defaults.
    parser = argparse.ArgumentParser(
        description='Convert PhysioNet/CinC 2017 (WFDB .mat/.hea) to .npy '
        'signals and nl1d annotation files.',
        argument_default=argparse.SUPPRESS)
    parser.add_argument(
        '--src', required=True,
        help='folder holding training2017/ and the reference CSV')
    parser.add_argument('--out', required=True, help='output DATA_DIR')
    parser.add_argument(
        '--reference',
        help='label file, relative to --src (record,label lines; default: '
        'REFERENCE-v3.csv)')
    parser.add_argument(
        '--rate', type=int,
        help=f'output sampling rate in Hz (default: the native {NATIVE_RATE})')
    parser.add_argument(
        '--limit', type=int,
        help='convert only the first N records (by number), for a check')
    return parser.parse_args(argv)


def main(argv: Optional[Sequence[str]] = None) -> Dict[str, List[str]]:
    """Convert; returns the annotation lines written, by file name."""
    return convert(**vars(parse_args(argv)))


if __name__ == '__main__':
    main()
