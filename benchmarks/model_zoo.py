# Copyright (c) nl1d contributors. All rights reserved.
"""Rerun the model zoo row by row, and render its tables and metafiles.

Each row (``benchmarks/zoo_rows.py``) is prepared, trained, tested and
measured with the repository's own tools (``benchmarks/zoo_run.py``) and
summarised in ``work_dirs/zoo/ROW/row.json``. ``table --update`` keeps each
finished row's results (with a summary of its training log) in
``benchmarks/results/ROW.json`` and renders, from those kept results, the
tables of the released recipes (``configs/nl1d/<dataset>/README.md``), the
metafile beside each (``metafile.yml``, for ``mim search``) and the tables
of every row (``benchmarks/README.md``).

Examples::

    python benchmarks/model_zoo.py list
    python benchmarks/model_zoo.py run ucr-ecg200-nl_r18_res5-wslice
    python benchmarks/model_zoo.py run --group ucr-wslice
    python benchmarks/model_zoo.py run --all
    python benchmarks/model_zoo.py run --all --quick   # minutes: CI
    python benchmarks/model_zoo.py table             # print the tables
    python benchmarks/model_zoo.py table --update    # READMEs, metafiles
"""
import argparse
import os
import os.path as osp
import signal
import sys
from typing import List, Optional

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from zoo_metafile import COLLECTIONS, folder, render_metafile  # noqa: E402
from zoo_results import copy_results, load_result  # noqa: E402
from zoo_rows import RENAMED, ROWS  # noqa: E402
from zoo_run import (REPO, raise_exit, run_fusion,  # noqa: E402
                     run_member)
from zoo_tables import RESULTS, render_tables, update_readme  # noqa: E402

#: The pages whose zoo blocks ``table --update`` renders: the README of
#: each released dataset folder (its released rows) and the benchmarks'
#: (every row).
PAGES = [osp.join(folder(d), 'README.md') for d in COLLECTIONS] + [
    osp.join('benchmarks', 'README.md')
]


def _row_names(names: List[str], parser: argparse.ArgumentParser) -> None:
    """Stop with the new name of a renamed row, or the rows that exist."""
    renamed = [f'{n} is now {RENAMED[n]}' for n in names if n in RENAMED]
    if renamed:
        parser.error('renamed rows: ' + '; '.join(renamed) + '.')
    unknown = [n for n in names if n not in ROWS]
    if unknown:
        parser.error(f'unknown rows {unknown}; `list` shows them.')


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    sub = parser.add_subparsers(dest='command', required=True)
    sub.add_parser('list', help='list the rows')
    run = sub.add_parser('run', help='prepare, train, test, measure rows')
    run.add_argument('rows', nargs='*', help='row names (see `list`)')
    run.add_argument('--group', choices=sorted({r['group']
                                                for r in ROWS.values()}),
                     help='every row of a group')
    run.add_argument('--all', action='store_true', help='every row')
    run.add_argument('--quick', action='store_true',
                     help='1 epoch on 8 records per split (for CI)')
    run.add_argument('--force', action='store_true',
                     help='rerun rows that have a row.json')
    run.add_argument('--threads', type=int, default=None,
                     help='OMP_NUM_THREADS of each step (default: as set)')
    table = sub.add_parser('table', help='render the zoo tables')
    table.add_argument(
        '--update', action='store_true',
        help='keep the results of the rows run under --work-root in '
        '--results, then replace the zoo blocks of the READMEs and write '
        'the metafiles, instead of printing the tables')
    table.add_argument(
        '--out', metavar='DIR', default=None,
        help='with --update, write the READMEs and metafiles under DIR '
        '(their paths in the repository) instead of in place')
    table.add_argument(
        '--results', metavar='DIR', default=osp.join(REPO, RESULTS),
        help='the kept results of the finished rows, read for rows not run '
        f'under --work-root (default: {RESULTS})')
    for p in (run, table):
        p.add_argument('--work-root', default=osp.join('work_dirs', 'zoo'),
                       help='where rows are run (default: work_dirs/zoo)')
        p.add_argument('--shared', default=os.environ.get(
            'NL1D_SHARED_DATA', osp.join('..', 'shared', 'data')),
                       help='the downloaded datasets the converters read '
                       '(default: $NL1D_SHARED_DATA, else ../shared/data)')
    args = parser.parse_args(argv)
    if args.command == 'run':
        _row_names(args.rows, parser)
        if not (args.rows or args.group or args.all):
            parser.error('name rows, or give --group or --all.')
    return args


def _rows(args: argparse.Namespace) -> List[dict]:
    """Every row: its results (run under --work-root, else kept), else its
    definition marked ``not_run``."""
    rows = []
    for name, row in ROWS.items():
        result = load_result(name, args.work_root, args.results)
        rows.append(dict(result, **row) if result else dict(
            row, not_run=True))
    return rows


def _write(path: str, text: str, out: Optional[str]) -> None:
    """Write a page's new text in place, or under ``out``."""
    dest = osp.join(out, path) if out else osp.join(REPO, path)
    os.makedirs(osp.dirname(dest), exist_ok=True)
    with open(dest, 'w') as f:
        f.write(text)


def update_pages(rows: List[dict], out: Optional[str] = None) -> None:
    """Render the tables of every page of :data:`PAGES` and the metafile of
    each released dataset folder from ``rows``."""
    for dataset in COLLECTIONS:
        _write(osp.join(folder(dataset), 'metafile.yml'),
               render_metafile(dataset, rows, REPO), out)
    for page in PAGES:
        where = osp.dirname(page)
        dataset = osp.basename(where)
        shown = [r for r in rows if r.get('released') == dataset] \
            if dataset in COLLECTIONS else rows
        dest = osp.join(out, page) if out else osp.join(REPO, page)
        os.makedirs(osp.dirname(dest), exist_ok=True)
        update_readme(osp.join(REPO, page), render_tables(shown, where),
                      dest)


def table(args: argparse.Namespace) -> None:
    """``table``: print the tables, or (``--update``) keep the fresh
    results and update the pages."""
    if args.update:
        copy_results(args.work_root, args.results, ROWS)
    rows = _rows(args)
    if args.update:
        update_pages(rows, args.out)
    else:
        print('\n\n'.join(render_tables(rows).values()))


def main(argv: Optional[List[str]] = None) -> None:
    args = parse_args(argv)
    if args.command == 'list':
        for name, row in ROWS.items():
            print(f'{name:45s} {row["group"]:14s} {row["config"]}')
        return
    if args.command == 'table':
        table(args)
        return
    signal.signal(signal.SIGTERM, raise_exit)
    names = [n for n, r in ROWS.items()
             if args.all or r['group'] == args.group or n in args.rows]
    failed = []
    for name in names:
        try:
            row = ROWS[name]
            if 'members' in row:
                run_fusion(row, ROWS, args)
            else:
                run_member(row, args)
        except (RuntimeError, FileNotFoundError) as e:
            print(f'[zoo] {name}: FAILED: {e}', flush=True)
            failed.append(name)
    if failed:
        raise SystemExit(f'[zoo] failed rows: {failed}')


if __name__ == '__main__':
    main()
