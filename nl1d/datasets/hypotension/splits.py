# Copyright (c) nl1d contributors. All rights reserved.
"""The patient-level split: train, val and test never share a patient."""
from typing import Dict, List, Sequence

import numpy as np

SPLITS = ('train', 'val', 'test')


def has_positive_windows(results: List[Dict]) -> Dict[str, bool]:
    """Whether each patient with kept windows has a positive one.

    Args:
        results (list[dict]): Of ``windows.convert_recording``.

    Returns:
        dict[str, bool]: Patient → has a positive window (patients without
        any kept window left out).
    """
    has_positive: Dict[str, bool] = {}
    for result in results:
        if result['windows']:
            has_positive[result['patient']] = has_positive.get(
                result['patient'], False) or any(
                    w['label'] == 1 for w in result['windows'])
    return has_positive


def split_patients(has_positive: Dict[str, bool],
                   shares: Sequence[float], seed: int) -> Dict[str, str]:
    """Assign each patient to train, val or test.

    Patients with a positive window come first, then the others, each group
    shuffled with ``seed``; each patient in turn goes to the split furthest
    below its share so far. Every split thus gets its share of patients
    with events and of patients overall, and a split with a share gets a
    patient as early as possible (a 1:1:1 split of three patients fills all
    three).

    Args:
        has_positive (dict[str, bool]): Patient → has a positive window.
        shares (Sequence[float]): Train, val and test shares.
        seed (int): Shuffle seed.

    Returns:
        dict[str, str]: Patient → split name.
    """
    rng = np.random.default_rng(seed)
    shares = np.asarray(shares, dtype=np.float64) / np.sum(shares)
    order: List[str] = []
    for stratum in (True, False):
        ids = sorted(p for p, pos in has_positive.items() if pos == stratum)
        order += [ids[i] for i in rng.permutation(len(ids))]
    counts = np.zeros(len(SPLITS))
    assignment: Dict[str, str] = {}
    for i, patient in enumerate(order):
        k = int(np.argmax(shares * (i + 1) - counts))
        counts[k] += 1
        assignment[patient] = SPLITS[k]
    return assignment
