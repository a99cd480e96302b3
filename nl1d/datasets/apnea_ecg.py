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

Its command line:
    python tools/data/apnea_ecg/convert.py --src APNEA_ECG_DIR \
        --out data/apnea_ecg_rr --signal rr
"""
import glob
import os
import os.path as osp
from typing import Dict, List, Optional

import numpy as np
import wfdb

from nl1d.datasets.annotation import format_line, write_annotation
from nl1d.datasets.class_names import CLASSES_FILE, write_classes
from nl1d.runtime.progress import ProgressBar

RATE = 100  # Hz of the ECG
MINUTE = 60 * RATE  # samples per labelled minute
LABELS = {'N': 0, 'A': 1}
NAMES = ('normal', 'apnea')  # class names, in index order
RR_RANGE = (0.3, 2.0)  # plausible RR intervals in seconds


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


def _split_records(src: str, learning: List[str], answers: Dict[str, str],
                   records: Optional[str], limit: Optional[int],
                   signal: str) -> Dict[str, List[str]]:
    """The records of each annotation file: test = the x records with a
    ``.hea``, val = every fifth learning record, train = the others;
    restricted to ``records`` / the first ``limit``."""
    test = sorted(r for r in answers
                  if osp.isfile(osp.join(src, r + '.hea')))
    splits = {
        'train.txt': [r for i, r in enumerate(learning) if i % 5 != 4],
        'val.txt': [r for i, r in enumerate(learning) if i % 5 == 4],
        'test.txt': test,
    }
    if records:
        wanted = set(records.split(','))
        splits = {k: [r for r in v if r in wanted] for k, v in splits.items()}
    if limit is not None:
        splits = {k: v[:limit] for k, v in splits.items()}
    if signal == 'ecg':
        missing = [r for v in splits.values() for r in v
                   if not osp.isfile(osp.join(src, r + '.dat'))]
        if missing:
            raise FileNotFoundError(
                f'--signal ecg needs the ECG samples, but {len(missing)} '
                f'records have no .dat in {src} ({missing[:5]}...): '
                'download them from PhysioNet (apnea-ecg 1.0.0, check them '
                'with SHA256SUMS.txt), or use --signal rr (RR intervals from '
                'the .qrs beat annotations).')
    return splits


def _write_minutes(out: str, record: str, labels: str,
                   windows: List[np.ndarray]) -> List[str]:
    """Save each labelled minute of ``record``; its annotation lines."""
    os.makedirs(osp.join(out, 'signals', record), exist_ok=True)
    lines = []
    for minute, (symbol, window) in enumerate(zip(labels, windows)):
        if symbol not in LABELS:
            raise ValueError(f'{record}, minute {minute}: label '
                             f'{symbol!r} is not A or N.')
        rel = f'signals/{record}/m{minute:04d}.npy'
        np.save(osp.join(out, rel), window)
        lines.append(format_line(rel, window.shape[1], LABELS[symbol]))
    return lines


def convert(src: str,
            out: str,
            signal: str = 'ecg',
            context: int = 2,
            rr_rate: float = 4.0,
            answers: str = 'answers/event-2-answers',
            records: Optional[str] = None,
            limit: Optional[int] = None) -> Dict[str, List[str]]:
    """Convert Apnea-ECG to per-minute samples
    (``tools/data/apnea_ecg/convert.py``).

    Args:
        src (str): Folder of the PhysioNet apnea-ecg release.
        out (str): The output data folder.
        signal (str): ``'ecg'`` (the ECG, needs the ``.dat`` files) or
            ``'rr'`` (the RR tachogram from the ``.qrs`` annotations).
            Defaults to ``'ecg'``.
        context (int): Minutes of context on each side. Defaults to 2.
        rr_rate (float): Sampling rate of the RR series, Hz. Defaults to 4.
        answers (str): Per-minute test labels, relative to ``src``.
            Defaults to ``'answers/event-2-answers'``.
        records (str, optional): Comma-separated records to convert.
            Defaults to None (all).
        limit (int, optional): Convert only the first N records of each
            split, for a check. Defaults to None (all).

    Returns:
        dict[str, list[str]]: The annotation lines written, by file name.
    """
    if not osp.isdir(src):
        raise FileNotFoundError(
            f'{src} does not exist: download '
            'https://physionet.org/content/apnea-ecg/1.0.0/ first.')
    learning = sorted(
        osp.basename(p)[:-4] for p in glob.glob(osp.join(src, '*.apn')))
    answers = read_answers(osp.join(src, answers))
    splits = _split_records(src, learning, answers, records, limit, signal)
    lines: Dict[str, List[str]] = {}
    progress = ProgressBar(
        sum(len(v) for v in splits.values()), title='convert (records)')
    for file, records in splits.items():
        lines[file] = []
        for record in records:
            labels = (answers[record] if file == 'test.txt' else
                      learning_labels(src, record))
            if signal == 'ecg':
                windows = ecg_windows(src, record, len(labels), context)
            else:
                windows = rr_windows(src, record, len(labels), context,
                                     rr_rate)
            lines[file] += _write_minutes(out, record, labels, windows)
            progress.update()
    for file, file_lines in lines.items():
        write_annotation(osp.join(out, file), file_lines)
    write_classes(osp.join(out, CLASSES_FILE), NAMES)
    print(f'wrote {signal} minutes to {out}: '
          f'{ {k: len(v) for k, v in lines.items()} }')
    return lines
