# Copyright (c) nl1d contributors. All rights reserved.
"""Convert one dataset of the UCR 2018 archive to nl1d's format: the command
line of :func:`nl1d.datasets.ucr.convert` (what it writes is documented
there).

Example:
    python tools/data/ucr/convert.py --src UCRArchive_2018 \
        --dataset HouseTwenty --out data/ucr/HouseTwenty
"""
import argparse
from typing import Dict, List, Optional, Sequence

from nl1d.datasets.ucr import convert


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    # Options left out take convert()'s defaults.
    parser = argparse.ArgumentParser(
        description='Convert a UCR 2018 archive dataset (.tsv) to .npy '
        'signals and nl1d annotation files.',
        argument_default=argparse.SUPPRESS)
    parser.add_argument(
        '--src', required=True,
        help='archive root holding NAME/NAME_TRAIN.tsv and NAME_TEST.tsv')
    parser.add_argument('--dataset', required=True, help='e.g. HouseTwenty')
    parser.add_argument('--out', required=True, help='output DATA_DIR')
    parser.add_argument(
        '--val-fraction', type=float,
        help='fraction of the archive\'s train split held out for '
        'validation, stratified by class when possible (default: 0.2)')
    parser.add_argument('--seed', type=int,
                        help='seed of the validation split (default: 0)')
    parser.add_argument(
        '--limit', type=int,
        help='convert only the first N series of each archive split')
    return parser.parse_args(argv)


def main(argv: Optional[Sequence[str]] = None) -> Dict[str, List[str]]:
    """Convert; returns the annotation lines written, by file name."""
    return convert(**vars(parse_args(argv)))


if __name__ == '__main__':
    main()
