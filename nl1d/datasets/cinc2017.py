# Copyright (c) nl1d contributors. All rights reserved.
"""Convert the PhysioNet/CinC Challenge 2017 AF database to nl1d's format.

Reads the WFDB records (``training2017/A00001.hea`` + ``.mat``, 300 Hz,
single lead, mV) with ``wfdb``, optionally resamples them with
``scipy.signal.resample_poly``, and writes under ``--out``::

    signals/A00001.npy            float32 (1, samples), mV, at --rate Hz
    train.txt val.txt test.txt    AF (1) vs the rest (0)
    train_4cls.txt val_4cls.txt test_4cls.txt
                                  N (0), AF (1), other rhythm (2), noisy (3)
    classes.txt                   `0 rest`, `1 AF`: names of train.txt's
                                  labels (SignalDataset reads them)
    classes_4cls.txt              `0 normal` ... `3 noisy`: *_4cls.txt's

Annotation lines are ``signals/A00001.npy num_samples label``. Split by
record number n: test = n % 5 == 0 (the split of the data's README),
val = n % 10 == 1, train = the rest.

Its command line:
    python tools/data/cinc2017/convert.py --src CINC2017_DIR \
        --out data/cinc2017 --rate 100
"""
import csv
import os
import os.path as osp
from fractions import Fraction
from typing import Dict, List, Optional

import numpy as np
import wfdb
from scipy.signal import resample_poly

from nl1d.datasets.annotation import format_line, write_annotation
from nl1d.datasets.class_names import CLASSES_FILE, write_classes
from nl1d.runtime.progress import ProgressBar

NATIVE_RATE = 300
#: Four-class label of each REFERENCE symbol; AF-vs-rest is ``symbol == 'A'``.
CLASSES = {'N': 0, 'A': 1, 'O': 2, '~': 3}
#: Class names of the two label sets, in index order.
NAMES_AF = ('rest', 'AF')
NAMES_4CLS = ('normal', 'AF', 'other rhythm', 'noisy')


def read_reference(path: str) -> Dict[str, str]:
    """Read ``record,label`` lines into ``{record: label}``."""
    if not osp.isfile(path):
        raise FileNotFoundError(
            f'label file {path} does not exist: pass --reference (e.g. '
            'REFERENCE-v3.csv from the challenge\'s training set).')
    labels = {}
    with open(path, newline='') as f:
        for line_no, row in enumerate(csv.reader(f), start=1):
            if not row:
                continue
            if len(row) < 2 or row[1] not in CLASSES:
                raise ValueError(
                    f'{path}, line {line_no}: expected `record,label` with '
                    f'label in {sorted(CLASSES)}, got {row}.')
            labels[osp.basename(row[0])] = row[1]
    return labels


def split_of(record: str) -> str:
    """'train', 'val' or 'test' from the record number."""
    number = int(record.lstrip('A'))
    if number % 5 == 0:
        return 'test'
    return 'val' if number % 10 == 1 else 'train'


def convert_record(path: str, rate: int) -> np.ndarray:
    """Read one WFDB record as (1, samples) float32 mV at ``rate`` Hz."""
    record = wfdb.rdrecord(path)
    if record.fs != NATIVE_RATE:
        raise ValueError(f'{path}.hea says {record.fs} Hz, expected '
                         f'{NATIVE_RATE}: is this the CinC 2017 data?')
    signal = record.p_signal.T.astype(np.float64)  # (1, T)
    if rate != NATIVE_RATE:
        ratio = Fraction(rate, NATIVE_RATE)
        signal = resample_poly(signal, ratio.numerator, ratio.denominator,
                               axis=-1)
    return signal.astype(np.float32)


def convert(src: str,
            out: str,
            reference: str = 'REFERENCE-v3.csv',
            rate: int = NATIVE_RATE,
            limit: Optional[int] = None) -> Dict[str, List[str]]:
    """Convert PhysioNet/CinC 2017 (``tools/data/cinc2017/convert.py``).

    Args:
        src (str): Folder holding ``training2017/`` and the reference CSV.
        out (str): The output data folder.
        reference (str): Label file, relative to ``src`` (``record,label``
            lines). Defaults to ``'REFERENCE-v3.csv'``.
        rate (int): Output sampling rate, Hz. Defaults to the native 300.
        limit (int, optional): Convert only the first N records (by
            number), for a check. Defaults to None (all).

    Returns:
        dict[str, list[str]]: The annotation lines written, by file name.
    """
    wfdb_dir = osp.join(src, 'training2017')
    if not osp.isdir(wfdb_dir):
        raise FileNotFoundError(
            f'{wfdb_dir} does not exist: --src must be the folder holding '
            'training2017/ (download from '
            'https://physionet.org/content/challenge-2017/1.0.0/).')
    labels = read_reference(osp.join(src, reference))
    records = sorted(r for r in labels
                     if osp.isfile(osp.join(wfdb_dir, r + '.hea')))
    if not records:
        raise FileNotFoundError(
            f'no record of {reference} has a .hea file in {wfdb_dir}.')
    missing = len(labels) - len(records)
    if limit is not None:
        records = records[:limit]
    os.makedirs(osp.join(out, 'signals'), exist_ok=True)

    lines: Dict[str, List[str]] = {}
    progress = ProgressBar(len(records), title='convert')
    for record in records:
        signal = convert_record(osp.join(wfdb_dir, record), rate)
        rel = f'signals/{record}.npy'
        np.save(osp.join(out, rel), signal)
        split, symbol = split_of(record), labels[record]
        lines.setdefault(f'{split}.txt', []).append(
            format_line(rel, signal.shape[1], int(symbol == 'A')))
        lines.setdefault(f'{split}_4cls.txt', []).append(
            format_line(rel, signal.shape[1], CLASSES[symbol]))
        progress.update()
    for name in ('train', 'val', 'test'):
        for suffix in ('', '_4cls'):
            file = f'{name}{suffix}.txt'
            write_annotation(osp.join(out, file), lines.get(file, []))
    write_classes(osp.join(out, CLASSES_FILE), NAMES_AF)
    write_classes(osp.join(out, 'classes_4cls.txt'), NAMES_4CLS)
    counts = {s: len(lines.get(f'{s}.txt', [])) for s in
              ('train', 'val', 'test')}
    print(f'wrote {len(records)} records at {rate} Hz to {out} '
          f'({counts}); {missing} labelled records have no .hea here.')
    return lines
