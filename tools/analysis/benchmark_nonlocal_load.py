# Copyright (c) nl1d contributors. All rights reserved.
"""Forward + backward time of nl1d's softmax-mode paths (``sdpa``,
``chunked``, ``naive``) on an idle CPU and with other cores busy, to see
which path ``attn_impl='auto'`` can take without collapsing under a
concurrent load.

Every figure runs in a fresh process through
``tools/analysis/benchmark_nonlocal.py``. A load ``busy`` starts one
``python -c "while True: pass"`` process for the whole condition (``busy2``
two of them, ``busy-pinned`` one pinned to the last CPU) and kills it at the
end; ``idle`` starts nothing. A batch N > 1 is a ragged batch of valid
lengths ``L (N - i) / N``, masked (``lengths`` passed), or with
``--no-mask`` N full-length records; N = 1 is a plain record. Each figure
records ``other_cores``, the CPU other processes (the busy loops included)
used while it ran; ``--report`` marks a figure where others used more than
its busy loops (†) and, of a figure run several times (several files),
shows the median of its undisturbed runs and their range.

Example::

    python tools/analysis/benchmark_nonlocal_load.py \\
        --modes embedded_gaussian --lengths 4096 16384 --batches 1 4 \\
        --threads 2 1 --loads idle busy --json load.json
    python tools/analysis/benchmark_nonlocal_load.py --report load*.json

A benchmark, not a test: ``idle`` means idle only when nothing else runs
(check ``other_cores``).
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from typing import Dict, List

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchmark_nonlocal  # noqa: E402

LOADS = ('idle', 'busy', 'busy-pinned', 'busy2')
IMPLS = ('sdpa', 'chunked', 'naive')


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Time NonLocal1d attention paths under a CPU load')
    parser.add_argument('--modes', nargs='+',
                        default=['embedded_gaussian', 'gaussian'],
                        choices=['embedded_gaussian', 'gaussian'])
    parser.add_argument('--lengths', nargs='+', type=int,
                        default=[4096, 8192, 16384])
    parser.add_argument('--batches', nargs='+', type=int, default=[1, 4],
                        help='N; N > 1 runs a masked ragged batch')
    parser.add_argument('--no-mask', action='store_true',
                        help='N > 1 runs N full-length records, no lengths')
    parser.add_argument('--attn-impl', nargs='+', default=list(IMPLS),
                        choices=['auto', *IMPLS])
    parser.add_argument('--threads', nargs='+', type=int, default=[2, 1],
                        help='torch threads per figure')
    parser.add_argument('--loads', nargs='+', default=['idle', 'busy'],
                        choices=LOADS)
    parser.add_argument('--channels', type=int, default=256)
    parser.add_argument('--max-affinity-gb', type=float, default=2.0,
                        help='skip naive runs whose N x L x L float32 '
                        'affinity exceeds this (default: 2)')
    parser.add_argument('--timeout', type=float, default=240,
                        help='give up on a figure after this many seconds')
    parser.add_argument('--repeats', type=int, default=0,
                        help='see benchmark_nonlocal.py --repeats')
    parser.add_argument('--json', help='write the figures here')
    parser.add_argument('--report', nargs='+', metavar='JSON',
                        help='print the tables of figures saved by --json '
                        '(several files are merged: the median of repeated '
                        'figures, their range in brackets) and exit')
    return parser.parse_args(argv)


class BusyLoad:
    """Start ``count`` busy-loop processes (pinned to the last CPU when
    ``pin``) on entry, kill them on exit."""

    def __init__(self, load: str) -> None:
        self.count = dict(idle=0, busy=1, busy2=2).get(load, 1)
        self.pin = load == 'busy-pinned'
        self.procs: List[subprocess.Popen] = []

    def __enter__(self) -> 'BusyLoad':
        for _ in range(self.count):
            proc = subprocess.Popen(
                [sys.executable, '-c', 'while True: pass'])
            self.procs.append(proc)
            if self.pin:
                os.sched_setaffinity(proc.pid,
                                     {max(os.sched_getaffinity(0))})
        if self.procs:
            time.sleep(1)
        return self

    def __exit__(self, *exc) -> None:
        for proc in self.procs:
            proc.kill()
            proc.wait()


def _bench_args(args: argparse.Namespace, batch: int,
                threads: int) -> argparse.Namespace:
    return benchmark_nonlocal.parse_args([
        '--channels',
        str(args.channels), '--batch',
        str(batch), '--threads',
        str(threads), '--max-affinity-gb',
        str(args.max_affinity_gb), '--timeout',
        str(args.timeout), '--repeats',
        str(args.repeats)
    ] + (['--ragged'] if batch > 1 and not getattr(args, 'no_mask', False)
         else []))


def measure(args: argparse.Namespace) -> List[dict]:
    """Every figure of the grid, one load condition after another."""
    figures = []
    for load in args.loads:
        with BusyLoad(load):
            for threads in args.threads:
                for mode in args.modes:
                    for batch in args.batches:
                        bench = _bench_args(args, batch, threads)
                        impl = 'masked' if bench.ragged else 'nl1d'
                        for length in args.lengths:
                            for attn_impl in args.attn_impl:
                                skip = benchmark_nonlocal.skip_reason(
                                    bench, impl, mode, length, attn_impl)
                                result = dict(error=skip) if skip else \
                                    benchmark_nonlocal.run_one(
                                        bench, impl, mode, length, attn_impl)
                                result.update(
                                    load=load, threads=threads, mode=mode,
                                    batch=batch, length=length,
                                    attn_impl=attn_impl, masked=bench.ragged)
                                figures.append(result)
                                print(json.dumps(result), flush=True)
    return figures


def _key(figure: dict) -> tuple:
    batch = figure['batch']
    if batch > 1 and not figure.get('masked', True):
        batch = f'{batch} full'  # N records without lengths
    return (figure['mode'], batch, figure['length'], figure['threads'],
            figure['load'], figure['attn_impl'])


def _merge(paths: List[str]) -> Dict[tuple, dict]:
    """One summary per figure key over every file: the median, fastest and
    slowest time of its undisturbed runs (of its disturbed runs, marked,
    when it has no other; its error when it has no run)."""
    runs: Dict[tuple, List[dict]] = {}
    for path in paths:
        with open(path) as f:
            for figure in json.load(f):
                runs.setdefault(_key(figure), []).append(figure)
    summaries = {}
    for key, figures in runs.items():
        measured = [f for f in figures if 'error' not in f]
        if not measured:
            summaries[key] = figures[0]
            continue
        kept = [f for f in measured if not disturbed(f)] or measured
        times = sorted(f['time_s'] for f in kept)
        summaries[key] = dict(
            kept[0], time_s=statistics.median(times), fastest_s=times[0],
            slowest_s=times[-1], runs=len(times),
            other_cores=max(f.get('other_cores', 0) for f in kept))
    return summaries


#: Other processes' CPU (cores) a figure may see beyond its own busy loops
#: before the report marks it as disturbed.
DISTURBED = 0.15


def disturbed(figure: dict) -> bool:
    """Whether processes other than the load started used CPU meanwhile."""
    expected = BusyLoad(figure['load']).count
    return figure.get('other_cores', 0) > expected + DISTURBED


def _time(figure) -> str:
    if figure is None:
        return '—'
    if 'error' in figure:
        return 'skipped' if figure['error'].startswith('skipped') else \
            figure['error'].split(':')[0][:20]
    text = f"{figure['time_s']:.3f} s"
    if figure.get('runs', 1) > 1:
        text += (f" [{figure['fastest_s']:.2f}–{figure['slowest_s']:.2f}, "
                 f"{figure['runs']} runs]")
    return text + ('†' if disturbed(figure) else '')


def _ratio(a, b) -> str:
    if a is None or b is None or 'error' in a or 'error' in b:
        return '—'
    return f"{a['time_s'] / b['time_s']:.2f}"


def report(paths: List[str]) -> str:
    """Markdown tables: the paths side by side per condition, then each
    path's slowdown under load."""
    figures = _merge(paths)
    impls = [i for i in ('sdpa', 'chunked', 'naive', 'auto')
             if any(k[5] == i for k in figures)]
    loads = [load for load in LOADS if any(k[4] == load for k in figures)]
    cases = sorted({k[:4] for k in figures},
                   key=lambda k: (k[0] != 'embedded_gaussian',
                                  int(str(k[1]).split()[0]), str(k[1]),
                                  -k[3], k[2]))
    lines = [
        '| mode | N | L | threads | load | ' +
        ' | '.join(impls) + ' | sdpa / chunked | sdpa / naive | other load |',
        '|---' * (8 + len(impls)) + '|'
    ]
    for mode, batch, length, threads in cases:
        for load in loads:
            row = {i: figures.get((mode, batch, length, threads, load, i))
                   for i in impls}
            if not any(row.values()):
                continue
            other = max((f.get('other_cores', 0) for f in row.values()
                         if f and 'error' not in f), default=0)
            lines.append(
                f'| {mode} | {batch} | {length} | {threads} | {load} | ' +
                ' | '.join(_time(row[i]) for i in impls) +
                f" | {_ratio(row.get('sdpa'), row.get('chunked'))} | "
                f"{_ratio(row.get('sdpa'), row.get('naive'))} | "
                f'{other:.2f} |')
    lines += [
        '', f'† other processes used over {DISTURBED} cores beyond the load '
        'started while the figure ran.'
    ]
    busy = [load for load in loads if load != 'idle']
    if 'idle' in loads and busy:
        lines += [
            '', 'Slowdown under load (time loaded / time idle, same '
            'threads):', '',
            '| mode | N | L | threads | load | ' + ' | '.join(impls) + ' |',
            '|---' * (5 + len(impls)) + '|'
        ]
        for mode, batch, length, threads in cases:
            for load in busy:
                cells = [
                    _ratio(figures.get((mode, batch, length, threads, load,
                                        i)),
                           figures.get((mode, batch, length, threads, 'idle',
                                        i))) for i in impls
                ]
                if any(c != '—' for c in cells):
                    lines.append(f'| {mode} | {batch} | {length} | {threads}'
                                 f' | {load} | ' + ' | '.join(cells) + ' |')
    return '\n'.join(lines)


def main(argv=None) -> None:
    args = parse_args(argv)
    if args.report:
        print(report(args.report))
        return
    figures = measure(args)
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(figures, f, indent=2)
    if args.json:
        print(report([args.json]))


if __name__ == '__main__':
    main()
