# Copyright (c) nl1d contributors. All rights reserved.
"""Generate the embedded demo dataset: a long-range relation task.

Each record is 2048 samples of a 1-channel signal "at 100 Hz" (20.48 s):
baseline wander plus noise, and two short bursts ("events") far apart —
at least ``--min-gap`` samples (default 1000), more than twice the 427-sample
receptive field of ResNet1d-50 (R18: 435). Each burst oscillates at one of
``--num-freqs`` frequencies. The label is 1 when both bursts have the SAME
frequency and 0 otherwise (balanced).

Why a plain ResNet stays near chance: no position of its last feature map
sees both bursts, so after global average pooling the features are a sum
``phi(burst 1) + phi(burst 2) + background`` and a linear classifier scores
``s(f1) + s(f2)``. "Same frequency" is an XOR-like relation that no such sum
separates (if ``s(a) + s(a) > t`` and ``s(b) + s(b) > t`` then
``s(a) + s(b) > t`` too). Burst positions are drawn independently of the
label, so absolute position carries no signal either. A non-local block
relates every position to every other, so it can compare the two bursts.

Writes ``OUT/signals/{train,val,test}/NNNNN.npy`` (float32, shape (1, 2048))
and ``OUT/{train,val,test}.txt`` in nl1d's annotation format
(``relative/path.npy num_samples label``). Deterministic for a given
``--seed``.

Example:
    python tools/data/demo/generate_demo.py --out data/demo --seed 0
"""
import argparse
import os
import os.path as osp
from typing import Tuple

import numpy as np

from nl1d.datasets.annotation import format_line, write_annotation

SPLITS = ('train', 'val', 'test')


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Generate the nl1d demo dataset (same/different burst '
        'frequency, bursts far apart).')
    parser.add_argument('--out', default='data/demo', help='output folder')
    parser.add_argument('--seed', type=int, default=0, help='random seed')
    parser.add_argument(
        '--num-records',
        type=int,
        nargs=3,
        default=(800, 200, 200),
        metavar=('TRAIN', 'VAL', 'TEST'),
        help='records per split')
    parser.add_argument('--length', type=int, default=2048,
                        help='samples per record')
    parser.add_argument('--sampling-rate', type=float, default=100.0,
                        help='sampling rate in Hz')
    parser.add_argument('--min-gap', type=int, default=1000,
                        help='minimum distance between the two bursts, in '
                        'samples (keep it above the receptive field)')
    parser.add_argument('--num-freqs', type=int, default=2,
                        help='number of burst frequencies')
    parser.add_argument('--noise', type=float, default=0.2,
                        help='std of the white noise')
    return parser.parse_args()


def burst(freq: float, length: int, rate: float, phase: float) -> np.ndarray:
    """A Gaussian-windowed sinusoid of ``length`` samples."""
    t = np.arange(length) / rate
    window = np.exp(-0.5 * ((np.arange(length) - length / 2) /
                            (length / 5))**2)
    return window * np.sin(2 * np.pi * freq * t + phase)


def make_record(rng: np.random.Generator, label: int, freqs: np.ndarray,
                args: argparse.Namespace) -> np.ndarray:
    """One record (1, length) float32 with two bursts whose frequencies are
    equal iff ``label == 1``."""
    n, rate = args.length, args.sampling_rate
    burst_len = int(0.6 * rate)
    margin = 60  # keep bursts inside every test window of 2000 samples
    lo, hi = margin, n - margin - burst_len
    if hi - lo < args.min_gap:
        raise ValueError(f'--length {n} is too short for --min-gap '
                         f'{args.min_gap}: need length >= min_gap + '
                         f'{2 * margin + burst_len}.')
    # Positions independent of the label: first start uniform such that a
    # second start at least min_gap later fits, second uniform after it.
    p1 = rng.integers(lo, hi - args.min_gap + 1)
    p2 = rng.integers(p1 + args.min_gap, hi + 1)
    if rng.random() < 0.5:  # either burst may come first
        p1, p2 = n - burst_len - p2, n - burst_len - p1
    k1 = rng.integers(len(freqs))
    if label == 1:
        k2 = k1
    else:
        k2 = (k1 + rng.integers(1, len(freqs))) % len(freqs)

    t = np.arange(n) / rate
    wander = 0.3 * np.sin(2 * np.pi * rng.uniform(0.05, 0.3) * t +
                          rng.uniform(0, 2 * np.pi))
    x = wander + args.noise * rng.standard_normal(n)
    for p, k in ((p1, k1), (p2, k2)):
        x[p:p + burst_len] += rng.uniform(0.8, 1.2) * burst(
            freqs[k], burst_len, rate, rng.uniform(0, 2 * np.pi))
    return x[None].astype(np.float32)


def write_split(split: str, num: int, rng: np.random.Generator,
                freqs: np.ndarray, args: argparse.Namespace) -> Tuple[int,
                                                                      int]:
    folder = osp.join(args.out, 'signals', split)
    os.makedirs(folder, exist_ok=True)
    labels = rng.permutation(np.arange(num) % 2)
    lines = []
    for i, label in enumerate(labels):
        x = make_record(rng, int(label), freqs, args)
        rel = osp.join('signals', split, f'{i:05d}.npy')
        np.save(osp.join(args.out, rel), x)
        lines.append(format_line(rel, x.shape[1], int(label)))
    write_annotation(osp.join(args.out, f'{split}.txt'), lines)
    return num, int(labels.sum())


def main() -> None:
    args = parse_args()
    rng = np.random.default_rng(args.seed)
    # Frequencies spread over 3-15 Hz: well below Nyquist at 100 Hz.
    freqs = np.linspace(3.0, 15.0, args.num_freqs)
    for split, num in zip(SPLITS, args.num_records):
        total, pos = write_split(split, num, rng, freqs, args)
        print(f'{split}: {total} records ({pos} positive) -> '
              f'{osp.join(args.out, split + ".txt")}')


if __name__ == '__main__':
    main()
