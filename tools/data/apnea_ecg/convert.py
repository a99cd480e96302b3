# Copyright (c) nl1d contributors. All rights reserved.
"""Convert the PhysioNet Apnea-ECG database to per-minute nl1d samples.

Each minute of each record is one sample, labelled apnea/hypopnea (``A`` ->
1) or normal (``N`` -> 0): the learning set (a01-a20, b01-b05, c01-c10)
from its ``.apn`` annotations, the test set (x01-x35) from the released
answers (``answers/event-2-answers``). Each sample's signal covers the
minute plus ``--context`` minutes on each side, in one of two forms:

- ``--signal ecg``: the ECG itself (100 Hz, mV), read with ``wfdb`` from
  the ``.dat`` files (needed for every converted record); context beyond
  the record's ends is zero;
- ``--signal rr``: the RR-interval series (tachogram, seconds) from the
  ``.qrs`` beat annotations, linearly interpolated at ``--rr-rate`` Hz;
  RR intervals outside [0.3, 2.0] s (missed or extra beats) are dropped
  before interpolation. Needs no ``.dat``.

Written under ``--out``::

    signals/a01/m0000.npy         float32 (1, (1 + 2 context) minutes)
    train.txt val.txt test.txt    `signals/a01/m0000.npy num_samples label`
    classes.txt                   `0 normal`, `1 apnea`

Splits are by record (the minutes of one person stay together): test = the
x records, val = every fifth learning record (a05 a10 a15 a20 b05 c05 c10),
train = the other 28 learning records.

Example:
    python tools/data/apnea_ecg/convert.py --src ../shared/data/apnea-ecg \
        --out data/apnea_ecg_rr --signal rr
"""
import argparse
import glob
import os
import os.path as osp
from typing import Dict, List, Optional, Sequence

import numpy as np
import wfdb

from nl1d.datasets.annotation import format_line, write_annotation
from nl1d.datasets.class_names import CLASSES_FILE, write_classes
from nl1d.utils.progress import ProgressBar

RATE = 100  # Hz of the ECG
MINUTE = 60 * RATE  # samples per labelled minute
LABELS = {'N': 0, 'A': 1}
NAMES = ('normal', 'apnea')  # class names, in index order
RR_RANGE = (0.3, 2.0)  # plausible RR intervals in seconds


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Convert Apnea-ECG to per-minute .npy signals and nl1d '
        'annotation files.')
    parser.add_argument('--src', required=True,
                        help='folder of the PhysioNet apnea-ecg release')
    parser.add_argument('--out', required=True, help='output DATA_DIR')
    parser.add_argument('--signal', choices=('ecg', 'rr'), default='ecg',
                        help='ECG samples (needs .dat) or RR tachogram')
    parser.add_argument('--context', type=int, default=2,
                        help='minutes of context on each side')
    parser.add_argument('--rr-rate', type=float, default=4.0,
                        help='sampling rate of the RR series in Hz')
    parser.add_argument(
        '--answers', default='answers/event-2-answers',
        help='per-minute test labels, relative to --src')
    parser.add_argument(
        '--records', default=None,
        help='comma-separated records to convert (default: all)')
    parser.add_argument(
        '--limit', type=int, default=None,
        help='convert only the first N records of each split, for a check')
    return parser.parse_args(argv)


def read_answers(path: str) -> Dict[str, str]:
    """Per-minute labels of the challenge answer format, by record."""
    if not osp.isfile(path):
        raise FileNotFoundError(
            f'{path} does not exist: pass --answers (the per-minute test '
            'labels released after the challenge, event-2-answers).')
    minutes: Dict[str, str] = {}
    record = None
    with open(path) as f:
        for line in f:
            fields = line.split()
            if len(fields) == 1:
                record = fields[0]
                minutes[record] = ''
            elif len(fields) == 2 and record is not None:
                minutes[record] += fields[1]
    return minutes


def learning_labels(src: str, record: str) -> str:
    """Per-minute labels of a learning record from its ``.apn`` file."""
    ann = wfdb.rdann(osp.join(src, record), 'apn')
    if np.any(ann.sample % MINUTE) or np.any(
            np.diff(ann.sample) != MINUTE) or ann.sample[0] != 0:
        raise ValueError(f'{record}.apn: labels are not one per minute from '
                         'sample 0; is this the Apnea-ECG release?')
    return ''.join(ann.symbol)


def ecg_windows(src: str, record: str, num_minutes: int,
                context: int) -> List[np.ndarray]:
    """(1, (1 + 2 context) * 6000) ECG windows, one per labelled minute."""
    signal = wfdb.rdrecord(osp.join(src, record)).p_signal[:, 0]
    pad = context * MINUTE
    padded = np.pad(np.nan_to_num(signal), (pad, pad + MINUTE))
    size = (2 * context + 1) * MINUTE
    return [
        padded[m * MINUTE:m * MINUTE + size][None].astype(np.float32)
        for m in range(num_minutes)
    ]


def rr_windows(src: str, record: str, num_minutes: int, context: int,
               rr_rate: float) -> List[np.ndarray]:
    """(1, (1 + 2 context) * 60 * rr_rate) RR series, one per minute."""
    beats = wfdb.rdann(osp.join(src, record), 'qrs').sample / RATE  # s
    rr = np.diff(beats)
    times = beats[1:]
    keep = (rr >= RR_RANGE[0]) & (rr <= RR_RANGE[1])
    if keep.sum() < 2:
        raise ValueError(f'{record}.qrs: fewer than 2 plausible RR '
                         'intervals; leave the record out with --records.')
    rr, times = rr[keep], times[keep]
    size = int(round((2 * context + 1) * 60 * rr_rate))
    grid = np.arange(size) / rr_rate  # s from the window start
    return [
        np.interp((m - context) * 60 + grid, times, rr)[None].astype(
            np.float32) for m in range(num_minutes)
    ]


def main(argv: Optional[Sequence[str]] = None) -> Dict[str, List[str]]:
    """Convert; returns the annotation lines written, by file name."""
    args = parse_args(argv)
    if not osp.isdir(args.src):
        raise FileNotFoundError(
            f'{args.src} does not exist: download '
            'https://physionet.org/content/apnea-ecg/1.0.0/ first.')
    learning = sorted(
        osp.basename(p)[:-4] for p in glob.glob(osp.join(args.src, '*.apn')))
    answers = read_answers(osp.join(args.src, args.answers))
    test = sorted(r for r in answers
                  if osp.isfile(osp.join(args.src, r + '.hea')))
    splits = {
        'train.txt': [r for i, r in enumerate(learning) if i % 5 != 4],
        'val.txt': [r for i, r in enumerate(learning) if i % 5 == 4],
        'test.txt': test,
    }
    if args.records:
        wanted = set(args.records.split(','))
        splits = {k: [r for r in v if r in wanted] for k, v in splits.items()}
    if args.limit is not None:
        splits = {k: v[:args.limit] for k, v in splits.items()}
    if args.signal == 'ecg':
        missing = [r for v in splits.values() for r in v
                   if not osp.isfile(osp.join(args.src, r + '.dat'))]
        if missing:
            raise FileNotFoundError(
                f'--signal ecg needs the ECG samples, but {len(missing)} '
                f'records have no .dat in {args.src} ({missing[:5]}...): '
                'download them from PhysioNet (apnea-ecg 1.0.0, check them '
                'with SHA256SUMS.txt), or use --signal rr (RR intervals from '
                'the .qrs beat annotations).')

    lines: Dict[str, List[str]] = {}
    progress = ProgressBar(
        sum(len(v) for v in splits.values()), title='convert (records)')
    for file, records in splits.items():
        lines[file] = []
        for record in records:
            labels = (answers[record] if file == 'test.txt' else
                      learning_labels(args.src, record))
            if args.signal == 'ecg':
                windows = ecg_windows(args.src, record, len(labels),
                                      args.context)
            else:
                windows = rr_windows(args.src, record, len(labels),
                                     args.context, args.rr_rate)
            os.makedirs(osp.join(args.out, 'signals', record), exist_ok=True)
            for minute, (symbol, window) in enumerate(zip(labels, windows)):
                if symbol not in LABELS:
                    raise ValueError(f'{record}, minute {minute}: label '
                                     f'{symbol!r} is not A or N.')
                rel = f'signals/{record}/m{minute:04d}.npy'
                np.save(osp.join(args.out, rel), window)
                lines[file].append(
                    format_line(rel, window.shape[1], LABELS[symbol]))
            progress.update()
    for file, file_lines in lines.items():
        write_annotation(osp.join(args.out, file), file_lines)
    write_classes(osp.join(args.out, CLASSES_FILE), NAMES)
    print(f'wrote {args.signal} minutes to {args.out}: '
          f'{ {k: len(v) for k, v in lines.items()} }')
    return lines


if __name__ == '__main__':
    main()
