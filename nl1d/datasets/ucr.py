# Copyright (c) nl1d contributors. All rights reserved.
"""Convert one dataset of the UCR 2018 archive to nl1d's format.

Reads ``SRC/NAME/NAME_TRAIN.tsv`` and ``SRC/NAME/NAME_TEST.tsv`` (one series
per line, tab-separated, first column the class label) and writes under
``--out``::

    signals/NAME_TRAIN_0000.npy   float32 (1, length), one per series
    signals/NAME_TEST_0000.npy
    train.txt val.txt test.txt    `signals/... num_samples label`
    trainval.txt                  train.txt + val.txt: the archive's whole
                                  train split (what published results use)
    classes.txt                   `index original_label`, one per class

Labels are re-indexed to 0..K-1 in the sorted order of the archive's labels
(over train and test). ``test.txt`` is the archive's test split;
``val.txt`` is a stratified ``--val-fraction`` of the archive's train split
(seeded), ``train.txt`` the rest. Trailing NaNs (how the archive pads
variable-length series) are trimmed; NaNs inside a series are filled by
linear interpolation and counted in the summary.

Its command line:
    python tools/data/ucr/convert.py --src UCRArchive_2018 \
        --dataset HouseTwenty --out data/ucr/HouseTwenty
"""
import os
import os.path as osp
from typing import Dict, List, Optional, Tuple

import numpy as np
from sklearn.model_selection import train_test_split

from nl1d.datasets.annotation import format_line, write_annotation
from nl1d.datasets.class_names import CLASSES_FILE, write_classes
from nl1d.runtime.progress import ProgressBar


def read_tsv(path: str) -> Tuple[np.ndarray, List[np.ndarray]]:
    """Read labels (as strings) and series (NaN-cleaned) of one split."""
    if not osp.isfile(path):
        raise FileNotFoundError(
            f'{path} does not exist: --src must be the archive root holding '
            'NAME/NAME_TRAIN.tsv (download the UCR 2018 archive from '
            'https://www.cs.ucr.edu/~eamonn/time_series_data_2018/).')
    table = np.loadtxt(path, delimiter='\t', dtype=np.float64, ndmin=2)
    labels = np.array([f'{v:g}' for v in table[:, 0]])
    return labels, [row for row in table[:, 1:]]


def clean(series: np.ndarray) -> Tuple[np.ndarray, int]:
    """Trim trailing NaNs, interpolate inner ones; returns (series, filled)."""
    finite = np.isfinite(series)
    if not finite.any():
        raise ValueError('a series holds no finite value')
    series = series[:np.flatnonzero(finite)[-1] + 1]
    bad = ~np.isfinite(series)
    if bad.any():
        index = np.arange(series.size)
        series = series.copy()
        series[bad] = np.interp(index[bad], index[~bad], series[~bad])
    return series, int(bad.sum())


def carve_val(labels: np.ndarray, fraction: float,
              seed: int) -> Tuple[np.ndarray, np.ndarray]:
    """Indices (train, val) of a stratified split of the train series."""
    index = np.arange(len(labels))
    if not 0 < fraction < 1:
        raise ValueError(f'--val-fraction must lie in (0, 1), got {fraction}')
    try:
        train, val = train_test_split(
            index, test_size=fraction, random_state=seed, stratify=labels)
    except ValueError:  # a class too small to stratify
        train, val = train_test_split(
            index, test_size=fraction, random_state=seed)
    return np.sort(train), np.sort(val)


def convert(src: str,
            dataset: str,
            out: str,
            val_fraction: float = 0.2,
            seed: int = 0,
            limit: Optional[int] = None) -> Dict[str, List[str]]:
    """Convert one UCR 2018 archive dataset (``tools/data/ucr/convert.py``).

    Args:
        src (str): Archive root holding ``NAME/NAME_TRAIN.tsv`` and
            ``NAME_TEST.tsv``.
        dataset (str): ``NAME``, e.g. ``'HouseTwenty'``.
        out (str): The output data folder.
        val_fraction (float): Fraction of the archive's train split held
            out for validation (stratified by class when possible).
            Defaults to 0.2.
        seed (int): Seed of the validation split. Defaults to 0.
        limit (int, optional): Convert only the first N series of each
            archive split. Defaults to None (all).

    Returns:
        dict[str, list[str]]: The annotation lines written, by file name.
    """
    name = dataset
    splits = {}
    for part in ('TRAIN', 'TEST'):
        labels, series = read_tsv(osp.join(src, name,
                                           f'{name}_{part}.tsv'))
        splits[part] = (labels, series)
    # Classes from the whole archive, so --limit keeps the same indices.
    classes = sorted(
        set(splits['TRAIN'][0]) | set(splits['TEST'][0]), key=float)
    splits = {part: (labels[:limit], series[:limit])
              for part, (labels, series) in splits.items()}
    index_of = {label: i for i, label in enumerate(classes)}
    train_idx, val_idx = carve_val(splits['TRAIN'][0], val_fraction,
                                   seed)
    members = {
        'train.txt': [('TRAIN', i) for i in train_idx],
        'val.txt': [('TRAIN', i) for i in val_idx],
        # the archive's whole train split: what published results train on
        'trainval.txt': [('TRAIN', i)
                         for i in range(len(splits['TRAIN'][0]))],
        'test.txt': [('TEST', i) for i in range(len(splits['TEST'][0]))],
    }
    os.makedirs(osp.join(out, 'signals'), exist_ok=True)
    lines: Dict[str, List[str]] = {}
    filled = 0
    progress = ProgressBar(
        sum(len(m) for f, m in members.items() if f != 'trainval.txt'),
        title='convert')
    for file, items in members.items():
        for part, i in items:
            labels, series = splits[part]
            try:
                signal, count = clean(series[i])
            except ValueError as e:
                raise ValueError(f'{name}_{part}.tsv, line {i + 1}: {e}; '
                                 'remove that line.') from e
            if file != 'trainval.txt':
                filled += count
            rel = f'signals/{name}_{part}_{i:04d}.npy'
            if file != 'trainval.txt':  # its series are train's and val's
                np.save(osp.join(out, rel),
                        signal[None].astype(np.float32))  # (1, length)
            lines.setdefault(file, []).append(
                format_line(rel, signal.size, index_of[labels[i]]))
            if file != 'trainval.txt':
                progress.update()
    for file in members:
        write_annotation(osp.join(out, file), lines.get(file, []))
    write_classes(osp.join(out, CLASSES_FILE), classes)
    print(f'wrote {name} to {out}: '
          f'{ {k: len(v) for k, v in members.items()} }, {len(classes)} '
          f'classes, {filled} inner NaN samples interpolated.')
    return lines
