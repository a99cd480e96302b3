# Copyright (c) nl1d contributors. All rights reserved.
"""Convert a result file of ``tools/test.py --dump`` between its formats:
a ``.pkl`` to the plain ``.json`` to share, or a ``.json`` to a ``.pkl`` for
a tool that only reads pickles.

The source is read with :func:`nl1d.evaluation.result_io.load_results`,
which runs nothing from it: a pickle that holds only what ``--dump`` writes
converts, one that needs anything else is refused. ``--trust`` reads a
pickle with Python's ``pickle`` instead, which RUNS whatever code the file
carries: use it only for a file you wrote yourself, or whose author you
trust (e.g. a dump whose numpy or torch pickles arrays in a way nl1d's
reader does not know), then share the ``.json``.

Example:
    python tools/analysis/convert_results.py result.pkl result.json
    python tools/analysis/convert_results.py my_old.pkl my_old.json --trust
"""
import argparse
import os.path as osp
import pickle
from typing import Dict, List, Optional, Sequence

from nl1d.evaluation.result_io import (ResultFileError, check_records,
                                       check_result_path,
                                       load_results, save_results)


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


def _trusted_pickle(path: str) -> List[Dict]:
    """``pickle.load`` of a file the user vouches for (``--trust``)."""
    with open(path, 'rb') as f:
        records = pickle.load(f)  # noqa: S301  (the user trusts the file)
    return check_records(records, path)


def convert(src: str, dst: str, trust: bool = False) -> int:
    """Read ``src`` and write its records to ``dst``.

    Args:
        src (str): The result file to read.
        dst (str): The result file to write, in the format of its suffix.
        trust (bool): Read a pickle ``src`` with Python's ``pickle`` (runs
            code from it). Defaults to False (nl1d's safe reader).

    Returns:
        int: The number of records written.

    Raises:
        UnsafeResultFileError: ``src`` is a pickle that needs more than
            ``--dump`` writes and ``trust`` is False.
        ResultFileError: A malformed ``src``, an unknown suffix, or a value
            ``dst``'s format cannot hold.
    """
    check_result_path(src, 'src')
    check_result_path(dst, 'dst')
    if osp.abspath(src) == osp.abspath(dst):
        raise ResultFileError(f'src and dst are both {src}: write the '
                              'converted records to another file.')
    if not osp.isfile(src):
        raise FileNotFoundError(f'src {src}: no such file.')
    if trust and src.lower().endswith(('.pkl', '.pickle')):
        records = _trusted_pickle(src)
    else:
        records = load_results(src)
    save_results(records, dst)
    return len(records)


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = parse_args(argv)
    count = convert(args.src, args.dst, args.trust)
    print(f'{count} records: {args.src} -> {args.dst}')
    return count


if __name__ == '__main__':
    main()
