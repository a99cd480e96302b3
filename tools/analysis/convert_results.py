# Copyright (c) nl1d contributors. All rights reserved.
"""Convert a result file of ``tools/test.py --dump`` between its formats:
a ``.pkl`` to the plain ``.json`` to share, or a ``.json`` to a ``.pkl`` for
a tool that only reads pickles: the command line of
:func:`nl1d.evaluation.results.convert_results`.

The source is read with :func:`nl1d.evaluation.results.load_results`,
which runs nothing from it: a pickle that holds only what ``--dump`` writes
converts, one that needs anything else is refused. ``--trust`` reads a
pickle with Python's ``pickle`` instead, which RUNS whatever code the file
carries: use it only for a file you wrote yourself, or whose author you
trust, then share the ``.json``.

Example:
    python tools/analysis/convert_results.py result.pkl result.json
    python tools/analysis/convert_results.py my_old.pkl my_old.json --trust
"""
import argparse
from typing import Optional, Sequence

from nl1d.evaluation.results import convert_results


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Convert a tools/test.py --dump file (.json <-> .pkl)')
    parser.add_argument('src', help='the result file to read')
    parser.add_argument('dst', help='the result file to write (its suffix '
                        'chooses the format: .json, .pkl or .pickle)')
    parser.add_argument(
        '--trust', action='store_true',
        help='read a .pkl with Python\'s pickle, which RUNS any code in the '
        'file: only for a file you wrote or whose author you trust')
    return parser.parse_args(argv)


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = parse_args(argv)
    count = convert_results(args.src, args.dst, args.trust)
    print(f'{count} records: {args.src} -> {args.dst}')
    return count


if __name__ == '__main__':
    main()
