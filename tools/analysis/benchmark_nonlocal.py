# Copyright (c) nl1d contributors. All rights reserved.
"""Forward + backward time and peak memory of nl1d's ``NonLocal1d`` against
mmcv's, same mode, same weights, same input; each figure measured in its own
process.

Example::

    python tools/analysis/benchmark_nonlocal.py \\
        --modes embedded_gaussian dot_product --lengths 64 1024 16384

On a GPU (``--device cuda``)::

    python tools/analysis/benchmark_nonlocal.py --device cuda \\
        --modes embedded_gaussian --lengths 4096 65536 --attn-impl sdpa

Time is the fastest wall time of one forward + backward (after a first run,
repeated while short; the minimum is the estimate least disturbed by other
load; on a GPU the device is synchronised before the clock is read); memory
is, on the CPU, the process's peak resident set size during the first
forward + backward above the resident size just before it, and on a GPU the
peak of the memory torch allocated on the device during it above what was
allocated before (input, weights and libraries excluded). A benchmark, not a
test: run it on an idle machine and say when it was not.
"""
import argparse
import json
import os
import resource
import subprocess
import sys
import time

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
    parser.add_argument('--batch', type=int, default=1)
    parser.add_argument('--sub-sample', action='store_true')
    parser.add_argument('--threads', type=int, default=None,
                        help='torch threads (default: torch\'s choice)')
    parser.add_argument(
        '--max-affinity-gb', type=float, default=8.0,
        help='skip mmcv runs whose L x L_k float32 affinity exceeds this '
        '(mmcv keeps several of them; concatenation keeps 2 Ci of them)')
    parser.add_argument('--chunk-size', type=int, default=None,
                        help='query rows per chunk of nl1d\'s chunked path '
                        '(default: automatic)')
    parser.add_argument(
        '--rounds', type=int, default=1,
        help='measure each figure this many times, alternating nl1d and '
        'mmcv, each time in a fresh process, and keep the fastest time and '
        'the smallest peak (robust to other load on a shared machine)')
    parser.add_argument('--impls', nargs='+', default=['nl1d', 'mmcv'],
                        choices=['nl1d', 'mmcv'])
    parser.add_argument('--device', default='cpu',
                        help='cpu or cuda[:N] (default: cpu)')
    parser.add_argument(
        '--amp', action='store_true',
        help='run under autocast: float16 on a GPU, bfloat16 on a CPU (the '
        'dtype tools/train.py --amp trains in)')
    parser.add_argument(
        '--attn-impl', default='auto',
        help="nl1d's aggregation path (NonLocal1d attn_impl): auto, naive, "
        'sdpa or chunked (gaussian, embedded_gaussian), linear '
        '(dot_product), sorted (concatenation) (default: auto)')
    parser.add_argument('--json', help='also write the results here')
    parser.add_argument('--worker', nargs=2, metavar=('IMPL', 'MODE'),
                        help=argparse.SUPPRESS)
    parser.add_argument('--length', type=int, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def _rss_bytes() -> int:
    with open('/proc/self/statm') as f:
        return int(f.read().split()[1]) * os.sysconf('SC_PAGE_SIZE')


def worker(args: argparse.Namespace) -> dict:
    """One measurement, in this (fresh) process."""
    import torch
    device = torch.device(args.device)
    cuda = device.type == 'cuda'
    if args.threads:
        torch.set_num_threads(args.threads)
    import nl1d  # noqa: F401  (stack repairs)
    from mmcv.cnn import NonLocal1d as MMCVNonLocal1d

    from nl1d.models.layers import NonLocal1d
    impl, mode = args.worker
    torch.manual_seed(0)
    kwargs = dict(mode=mode, sub_sample=args.sub_sample)
    reference = MMCVNonLocal1d(args.channels, zeros_init=False, **kwargs)
    if impl == 'mmcv':
        block = reference
    else:
        block = NonLocal1d(args.channels, chunk_size=args.chunk_size,
                           attn_impl=args.attn_impl, **kwargs)
        block.load_state_dict(reference.state_dict(), strict=True)
        del reference
    block = block.to(device)
    x = torch.randn(args.batch, args.channels, args.length, device=device,
                    requires_grad=True)
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
            out = block(x)
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
    times = [first]
    repeats = 0 if first > 2 else min(30, max(3, int(2 / max(first, 1e-4))))
    times = [step() for _ in range(repeats)] or times
    return dict(
        impl=impl,
        mode=mode,
        length=args.length,
        time_s=min(times),
        peak_mb=max(0, peak - before) / 2**20,
        device=torch.cuda.get_device_name(device) if cuda else 'cpu',
        threads=torch.get_num_threads())


def run_one(args: argparse.Namespace, impl: str, mode: str,
            length: int) -> dict:
    """Run :func:`worker` in a child process and parse its JSON line."""
    cmd = [
        sys.executable, __file__, '--worker', impl, mode, '--length',
        str(length), '--channels',
        str(args.channels), '--batch',
        str(args.batch), '--device', args.device, '--attn-impl',
        args.attn_impl
    ]
    if args.amp:
        cmd.append('--amp')
    if args.sub_sample:
        cmd.append('--sub-sample')
    if args.threads:
        cmd += ['--threads', str(args.threads)]
    if args.chunk_size:
        cmd += ['--chunk-size', str(args.chunk_size)]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    for line in proc.stdout.splitlines()[::-1]:
        if line.startswith('{'):
            return json.loads(line)
    error = (proc.stderr.strip().splitlines() or ['killed'])[-1]
    return dict(impl=impl, mode=mode, length=length, error=error[:200])


def _skip_mmcv(args: argparse.Namespace, mode: str, length: int) -> str:
    keys = length // 2 if args.sub_sample else length
    affinity = args.batch * length * keys * 4 / 2**30
    if mode == 'concatenation':
        affinity *= args.channels  # the (N, 2 Ci, L, L_k) concatenation
    if affinity > args.max_affinity_gb:
        return f'skipped: affinity {affinity:.1f} GB'
    return ''


def _fmt(result: dict, key: str, unit: str) -> str:
    if 'error' in result:
        return 'n/a'
    return f'{result[key]:.3f} {unit}' if unit == 's' else \
        f'{result[key]:.0f} {unit}'


def main(argv=None) -> None:
    args = parse_args(argv)
    if args.worker:
        print(json.dumps(worker(args)))
        return
    rows = []
    header = ('| mode | L | nl1d time | mmcv time | time ratio | '
              'nl1d peak | mmcv peak | memory ratio |\n'
              '|---|---|---|---|---|---|---|---|')
    print(f'C = {args.channels}, N = {args.batch}, sub_sample = '
          f'{args.sub_sample}, device = {args.device}, amp = {args.amp}, '
          f'nl1d attn_impl = {args.attn_impl}, forward + backward, one '
          f'process per figure, best of {args.rounds} round(s)')
    print(header, flush=True)
    for mode in args.modes:
        for length in args.lengths:
            results = {}
            for _ in range(args.rounds):
                for impl in args.impls:
                    skip = _skip_mmcv(args, mode, length) \
                        if impl == 'mmcv' else ''
                    result = dict(error=skip) if skip else run_one(
                        args, impl, mode, length)
                    best = results.get(impl)
                    if best is None or 'error' in best:
                        results[impl] = result
                    elif 'error' not in result:
                        best['time_s'] = min(best['time_s'], result['time_s'])
                        best['peak_mb'] = min(best['peak_mb'],
                                              result['peak_mb'])
            ours = results.get('nl1d', dict(error='not run'))
            theirs = results.get('mmcv', dict(error='not run'))
            if 'error' in ours or 'error' in theirs:
                time_ratio = mem_ratio = theirs.get('error') or ours.get(
                    'error')
            else:
                time_ratio = f"{ours['time_s'] / theirs['time_s']:.2f}"
                mem_ratio = ours['peak_mb'] / max(theirs['peak_mb'], 1)
                mem_ratio = f'{mem_ratio:.3f}'
            print(f"| {mode} | {length} | {_fmt(ours, 'time_s', 's')} | "
                  f"{_fmt(theirs, 'time_s', 's')} | {time_ratio} | "
                  f"{_fmt(ours, 'peak_mb', 'MB')} | "
                  f"{_fmt(theirs, 'peak_mb', 'MB')} | {mem_ratio} |",
                  flush=True)
            rows.append(dict(mode=mode, length=length, nl1d=ours,
                             mmcv=theirs))
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(rows, f, indent=2)


if __name__ == '__main__':
    main()
