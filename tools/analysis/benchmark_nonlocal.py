# Copyright (c) nl1d contributors. All rights reserved.
"""Forward + backward time and peak memory of nl1d's ``NonLocal1d`` against
mmcv's, same mode, same weights, same input; or, with ``--ragged``, of nl1d's
block on a right-padded batch of records of different lengths (masked, given
``lengths``) against the same batch unmasked. Each figure is measured in its
own process.

Example::

    python tools/analysis/benchmark_nonlocal.py \\
        --modes embedded_gaussian dot_product --lengths 64 1024 16384

A masked ragged batch of N = 4 records of valid lengths (L, 3L/4, L/2, L/4),
through two of nl1d's paths::

    python tools/analysis/benchmark_nonlocal.py --ragged --batch 4 \\
        --modes embedded_gaussian --lengths 4096 16384 \\
        --attn-impl sdpa chunked

On a GPU (``--device cuda``)::

    python tools/analysis/benchmark_nonlocal.py --device cuda \\
        --modes embedded_gaussian --lengths 4096 65536 --attn-impl sdpa

Time is the fastest wall time of one forward + backward (after a first run,
repeated while short; the minimum is the estimate least disturbed by other
load; on a GPU the device is synchronised before the clock is read); memory
is, on the CPU, the process's peak resident set size during the first
forward + backward above the resident size just before it, and on a GPU the
peak of the memory torch allocated on the device during it above what was
allocated before (input, weights and libraries excluded). On Linux each
figure also records ``other_cores``: the CPU time other processes used while
it ran, in cores (0 on an idle machine). A benchmark, not a test: run it on
an idle machine and say when it was not.
"""
import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from typing import List, Optional

MODES = ('embedded_gaussian', 'dot_product', 'gaussian', 'concatenation')
LENGTHS = (64, 512, 1024, 2048, 4096, 8192, 16384, 32768)


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Benchmark NonLocal1d (nl1d) against mmcv.cnn.NonLocal1d')
    parser.add_argument('--modes', nargs='+', default=list(MODES),
                        choices=MODES)
    parser.add_argument('--lengths', nargs='+', type=int,
                        default=list(LENGTHS))
    parser.add_argument('--channels', type=int, default=256)
    parser.add_argument('--batch', type=int, default=None,
                        help='N (default: 1, or 4 with --ragged)')
    parser.add_argument(
        '--ragged', action='store_true',
        help='time nl1d on N records right-padded to L, valid lengths '
        'L (N - i) / N for i < N (L, 3L/4, L/2, L/4 for N = 4) passed as '
        '`lengths` (masked), against the same batch without lengths '
        '(unmasked); mmcv is not run')
    parser.add_argument('--sub-sample', action='store_true')
    parser.add_argument('--threads', type=int, default=None,
                        help='torch threads (default: torch\'s choice)')
    parser.add_argument(
        '--max-affinity-gb', type=float, default=8.0,
        help='skip runs that materialise an N x L x L_k float32 affinity '
        '(mmcv, nl1d\'s naive path) larger than this (they keep several of '
        'them; concatenation keeps 2 Ci of them)')
    parser.add_argument('--chunk-size', type=int, default=None,
                        help='query rows per chunk of nl1d\'s chunked path '
                        '(default: automatic)')
    parser.add_argument(
        '--rounds', type=int, default=1,
        help='measure each figure this many times, alternating the '
        'implementations, each time in a fresh process, and keep the '
        'fastest time and the smallest peak (robust to other load on a '
        'shared machine)')
    parser.add_argument(
        '--repeats', type=int, default=0,
        help='time at least this many forward + backward steps after the '
        'first (default: as many as fit in about 2 s, none after a first '
        'step over 2 s)')
    parser.add_argument('--timeout', type=float, default=None,
                        help='give up on a figure after this many seconds')
    parser.add_argument('--impls', nargs='+', default=['nl1d', 'mmcv'],
                        choices=['nl1d', 'mmcv'])
    parser.add_argument('--device', default='cpu',
                        help='cpu or cuda[:N] (default: cpu)')
    parser.add_argument(
        '--amp', action='store_true',
        help='run under autocast: float16 on a GPU, bfloat16 on a CPU (the '
        'dtype tools/train.py --amp trains in)')
    parser.add_argument(
        '--attn-impl', nargs='+', default=['auto'],
        help="nl1d's aggregation paths (NonLocal1d attn_impl), one table "
        'block each: auto, naive, sdpa or chunked (gaussian, '
        'embedded_gaussian), linear (dot_product), sorted (concatenation); '
        'a mode is run with the paths it has (default: auto)')
    parser.add_argument('--json', help='also write the results here')
    parser.add_argument('--worker', nargs=2, metavar=('IMPL', 'MODE'),
                        help=argparse.SUPPRESS)
    parser.add_argument('--length', type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.batch is None:
        args.batch = 4 if args.ragged else 1
    return args


def ragged_lengths(length: int, batch: int) -> List[int]:
    """Valid lengths ``L (N - i) / N`` of the N records of a ragged batch."""
    return [max(1, length * (batch - i) // batch) for i in range(batch)]


def _rss_bytes() -> int:
    with open('/proc/self/statm') as f:
        return int(f.read().split()[1]) * os.sysconf('SC_PAGE_SIZE')


def worker(args: argparse.Namespace) -> dict:
    """One measurement, in this (fresh) process.

    ``IMPL`` is ``mmcv``, ``nl1d`` or, with ``--ragged``, ``masked`` (nl1d
    given ``lengths``) or ``unmasked`` (nl1d on the same padded batch)."""
    import torch
    device = torch.device(args.device)
    cuda = device.type == 'cuda'
    if args.threads:
        torch.set_num_threads(args.threads)
    import nl1d  # noqa: F401  (stack repairs)
    from mmcv.cnn import NonLocal1d as MMCVNonLocal1d

    from nl1d.models.layers import NonLocal1d
    impl, mode = args.worker
    (attn_impl, ) = args.attn_impl
    torch.manual_seed(0)
    kwargs = dict(mode=mode, sub_sample=args.sub_sample)
    reference = MMCVNonLocal1d(args.channels, zeros_init=False, **kwargs)
    if impl == 'mmcv':
        block = reference
    else:
        block = NonLocal1d(args.channels, chunk_size=args.chunk_size,
                           attn_impl=attn_impl, **kwargs)
        block.load_state_dict(reference.state_dict(), strict=True)
        del reference
    block = block.to(device)
    x = torch.randn(args.batch, args.channels, args.length, device=device)
    lengths = ()
    if args.ragged:
        valid = torch.tensor(ragged_lengths(args.length, args.batch),
                             device=device)  # (N, )
        x = x * (torch.arange(args.length, device=device) <
                 valid[:, None])[:, None]  # (N, C, L), padding zero
        if impl == 'masked':
            lengths = (valid, )
    x.requires_grad_(True)
    inputs = (x, ) + lengths
    autocast = torch.autocast(device.type,
                              dtype=torch.float16 if cuda else torch.bfloat16,
                              enabled=args.amp)

    def step():
        x.grad = None
        block.zero_grad(set_to_none=True)
        if cuda:
            torch.cuda.synchronize(device)
        start = time.perf_counter()
        with autocast:
            out = block(*inputs)
        out.float().sum().backward()
        if cuda:
            torch.cuda.synchronize(device)
        return time.perf_counter() - start

    if cuda:
        torch.cuda.synchronize(device)
        before = torch.cuda.memory_allocated(device)
        torch.cuda.reset_peak_memory_stats(device)
        first = step()
        peak = torch.cuda.max_memory_allocated(device)
    else:
        before = _rss_bytes()
        first = step()
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    repeats = 0 if first > 2 else min(30, max(3, int(2 / max(first, 1e-4))))
    times = [step() for _ in range(max(repeats, args.repeats))] or [first]
    result = dict(
        impl=impl,
        mode=mode,
        attn_impl=attn_impl,
        length=args.length,
        batch=args.batch,
        time_s=min(times),
        median_s=statistics.median(times),
        steps=len(times),
        peak_mb=max(0, peak - before) / 2**20,
        device=torch.cuda.get_device_name(device) if cuda else 'cpu',
        threads=torch.get_num_threads())
    if args.ragged:
        result['lengths'] = ragged_lengths(args.length, args.batch)
    return result


def _busy_seconds() -> Optional[float]:
    """CPU seconds all processes have run since boot (Linux), else None."""
    try:
        with open('/proc/stat') as f:
            ticks = [int(v) for v in f.readline().split()[1:]]
    except OSError:
        return None
    idle = ticks[3] + (ticks[4] if len(ticks) > 4 else 0)  # idle + iowait
    return (sum(ticks[:8]) - idle) / os.sysconf('SC_CLK_TCK')


def _children_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_one(args: argparse.Namespace, impl: str, mode: str, length: int,
            attn_impl: Optional[str] = None) -> dict:
    """Run :func:`worker` in a child process and parse its JSON line."""
    attn_impl = attn_impl or args.attn_impl[0]
    cmd = [
        sys.executable, os.path.abspath(__file__), '--worker', impl, mode,
        '--length',
        str(length), '--channels',
        str(args.channels), '--batch',
        str(args.batch), '--device', args.device, '--attn-impl', attn_impl,
        '--repeats',
        str(args.repeats)
    ]
    for flag in ('amp', 'sub_sample', 'ragged'):
        if getattr(args, flag):
            cmd.append('--' + flag.replace('_', '-'))
    if args.threads:
        cmd += ['--threads', str(args.threads)]
    if args.chunk_size:
        cmd += ['--chunk-size', str(args.chunk_size)]
    busy, children, start = _busy_seconds(), _children_seconds(), \
        time.perf_counter()
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True,
                              timeout=args.timeout)
    except subprocess.TimeoutExpired:
        return dict(impl=impl, mode=mode, attn_impl=attn_impl, length=length,
                    error=f'timeout after {args.timeout:g} s')
    wall = time.perf_counter() - start
    for line in proc.stdout.splitlines()[::-1]:
        if line.startswith('{'):
            result = json.loads(line)
            if busy is not None:
                other = _busy_seconds() - busy - (_children_seconds() -
                                                  children)
                result['other_cores'] = round(max(0.0, other) / wall, 2)
            return result
    error = (proc.stderr.strip().splitlines() or ['killed'])[-1]
    return dict(impl=impl, mode=mode, attn_impl=attn_impl, length=length,
                error=error[:200])


def skip_reason(args: argparse.Namespace, impl: str, mode: str, length: int,
                attn_impl: str) -> str:
    """Why a figure that materialises a too large affinity is skipped."""
    # the CPU's flash kernel takes values as wide as keys only: torch runs
    # gaussian mode's (keys C, values C / 2) through its math kernel, which
    # materialises the affinity like the naive path
    math_sdpa = attn_impl == 'sdpa' and mode == 'gaussian' and \
        args.device == 'cpu'
    if impl != 'mmcv' and attn_impl != 'naive' and not math_sdpa:
        return ''
    keys = length // 2 if args.sub_sample else length
    affinity = args.batch * length * keys * 4 / 2**30
    if mode == 'concatenation' and impl == 'mmcv':
        affinity *= args.channels  # mmcv's (N, 2 Ci, L, L_k) concatenation
    if affinity > args.max_affinity_gb:
        return f'skipped: affinity {affinity:.1f} GB'
    return ''


def _paths(mode: str, attn_impls: List[str]) -> List[str]:
    """The paths of ``attn_impls`` that ``mode`` has; all of them when it has
    none (each figure then reports the block's own error)."""
    from nl1d.models.layers.nonlocal_attention import (CONCATENATION_IMPLS,
                                                       DOT_PRODUCT_IMPLS,
                                                       SOFTMAX_IMPLS)
    has = dict(dot_product=DOT_PRODUCT_IMPLS,
               concatenation=CONCATENATION_IMPLS).get(mode, SOFTMAX_IMPLS)
    return [impl for impl in attn_impls if impl in has] or list(attn_impls)


def _fmt(result: dict, key: str, unit: str) -> str:
    if 'error' in result:
        return 'n/a'
    return f'{result[key]:.3f} {unit}' if unit == 's' else \
        f'{result[key]:.0f} {unit}'


def _ratios(ours: dict, theirs: dict):
    if 'error' in ours or 'error' in theirs:
        reason = theirs.get('error') or ours.get('error')
        return reason, reason
    return (f"{ours['time_s'] / theirs['time_s']:.2f}",
            f"{ours['peak_mb'] / max(theirs['peak_mb'], 1):.3f}")


def _best(results: dict, impl: str, result: dict) -> None:
    """Keep the fastest time and the smallest peak over rounds."""
    best = results.get(impl)
    if best is None or 'error' in best:
        results[impl] = result
    elif 'error' not in result:
        best['time_s'] = min(best['time_s'], result['time_s'])
        best['peak_mb'] = min(best['peak_mb'], result['peak_mb'])
        best['other_cores'] = max(best.get('other_cores', 0),
                                  result.get('other_cores', 0))


def main(argv=None) -> None:
    args = parse_args(argv)
    if args.worker:
        print(json.dumps(worker(args)))
        return
    impls = ['masked', 'unmasked'] if args.ragged else args.impls
    print(f'C = {args.channels}, N = {args.batch}, sub_sample = '
          f'{args.sub_sample}, device = {args.device}, amp = {args.amp}, '
          f'threads = {args.threads or "default"}, forward + backward, one '
          f'process per figure, best of {args.rounds} round(s)' +
          (', ragged: valid lengths L (N - i) / N' if args.ragged else ''))
    first, second = ('masked', 'unmasked') if args.ragged else ('nl1d',
                                                                 'mmcv')
    print(f'| mode | attn_impl | L | {first} time | {second} time | '
          f'time ratio | {first} peak | {second} peak | memory ratio | '
          'other load |\n|---|---|---|---|---|---|---|---|---|---|',
          flush=True)
    rows = []
    for mode in args.modes:
        for attn_impl in _paths(mode, args.attn_impl):
            for length in args.lengths:
                results = {}
                for _ in range(args.rounds):
                    for impl in impls:
                        skip = skip_reason(args, impl, mode, length,
                                           attn_impl)
                        result = dict(error=skip) if skip else run_one(
                            args, impl, mode, length, attn_impl)
                        _best(results, impl, result)
                ours = results.get(first, dict(error='not run'))
                theirs = results.get(second, dict(error='not run'))
                time_ratio, mem_ratio = _ratios(ours, theirs)
                other = max(r.get('other_cores', 0) for r in (ours, theirs))
                print(f"| {mode} | {attn_impl} | {length} | "
                      f"{_fmt(ours, 'time_s', 's')} | "
                      f"{_fmt(theirs, 'time_s', 's')} | {time_ratio} | "
                      f"{_fmt(ours, 'peak_mb', 'MB')} | "
                      f"{_fmt(theirs, 'peak_mb', 'MB')} | {mem_ratio} | "
                      f'{other:.2f} cores |', flush=True)
                row = dict(mode=mode, attn_impl=attn_impl, length=length,
                           batch=args.batch, threads=args.threads)
                if args.ragged:
                    row['lengths'] = ragged_lengths(length, args.batch)
                row.update({first: ours, second: theirs})
                rows.append(row)
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(rows, f, indent=2)


if __name__ == '__main__':
    main()
