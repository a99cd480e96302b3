# Copyright (c) nl1d contributors. All rights reserved.
"""Fixtures writing small signal datasets to a temporary directory."""
from pathlib import Path
from typing import Callable, Sequence, Tuple

import numpy as np
import pytest
from mmengine.registry import init_default_scope

import nl1d  # noqa: F401  (registers the transforms before mmaction.models)

# The configs set default_scope='mmaction'; the dataset's Compose builds its
# transforms from that scope.
init_default_scope('mmaction')


def write_records(root: Path,
                  records: Sequence[Tuple[np.ndarray, int]],
                  ann_name: str = 'train.txt') -> Path:
    """Save ``(signal, label)`` records as .npy files plus an annotation
    (formatted by hand: tests write invalid labels on purpose)."""
    (root / 'signals').mkdir(parents=True, exist_ok=True)
    lines = []
    for i, (signal, label) in enumerate(records):
        rel = f'signals/rec{i:03d}.npy'
        np.save(root / rel, signal)
        lines.append(f'{rel} {signal.shape[-1]} {label}')
    ann = root / ann_name
    ann.write_text('\n'.join(lines) + '\n')
    return ann


@pytest.fixture
def make_records(tmp_path: Path) -> Callable:
    """``make_records(lengths, channels=1, labels=None)`` -> (ann, root)."""

    def _make(lengths: Sequence[int], channels: int = 1,
              labels: Sequence[int] = None):
        rng = np.random.default_rng(0)
        if labels is None:
            labels = [i % 2 for i in range(len(lengths))]
        records = [(rng.standard_normal((channels, n)).astype(np.float32),
                    lab) for n, lab in zip(lengths, labels)]
        return write_records(tmp_path, records), tmp_path

    return _make
