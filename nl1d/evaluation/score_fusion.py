# Copyright (c) nl1d contributors. All rights reserved.
"""Score fusion: one prediction per record from several models' dumps.

mmaction2 fuses the class scores of several models (two-stream RGB + flow,
``tools/analysis_tools/report_accuracy.py``) by a weighted mean; this is the
same for ``tools/test.py --dump`` pickles, record by record, with a check
that every dump holds the same records in the same order with the same
labels.

Examples:
    >>> fused = fuse_samples([mmengine.load('a.pkl'), mmengine.load('b.pkl')],
    ...                      names=['a.pkl', 'b.pkl'])
"""
from typing import Dict, List, Optional, Sequence

import numpy as np
import torch

from .metrics.records import sample_to_record


def _record_name(sample: Dict, index: int) -> str:
    return str(sample.get('filename', sample.get('sample_idx', index)))


def fuse_samples(dumps: Sequence[List[Dict]],
                 coefficients: Optional[Sequence[float]] = None,
                 names: Optional[Sequence[str]] = None) -> List[Dict]:
    """The weighted mean of the models' ``pred_score`` for every record.

    Args:
        dumps (Sequence[list[dict]]): M lists of data samples (``DumpResults``
            pickles), each of the same N records in the same order.
        coefficients (Sequence[float], optional): M non-negative weights,
            normalised to sum 1. Defaults to None (equal weights).
        names (Sequence[str], optional): M names of the dumps (their files),
            for error messages. Defaults to None (``dump 0`` ...).

    Returns:
        list[dict]: N data samples: the first dump's samples with
        ``pred_score`` (K,) the fused probabilities and ``pred_label`` their
        arg-max.

    Raises:
        ValueError: Fewer than two dumps, bad coefficients, or dumps that
            differ in records, labels or number of classes.
    """
    names = list(names or [f'dump {i}' for i in range(len(dumps))])
    if len(dumps) < 2:
        raise ValueError(f'Score fusion needs at least two dumps, got '
                         f'{len(dumps)}: {names}.')
    if coefficients is None:
        coefficients = [1.0] * len(dumps)
    weights = np.asarray(coefficients, dtype=np.float64)
    if len(weights) != len(dumps) or (weights < 0).any() or \
            weights.sum() <= 0:
        raise ValueError(
            f'--coefficients {list(coefficients)}: give one non-negative '
            f'weight per dump ({len(dumps)}: {names}), not all zero.')
    weights = weights / weights.sum()
    first, first_name = dumps[0], names[0]
    for dump, name in zip(dumps[1:], names[1:]):
        if len(dump) != len(first):
            raise ValueError(
                f'{name} holds {len(dump)} records and {first_name} '
                f'{len(first)}: fuse dumps of the same split (tools/test.py '
                'CONFIG CKPT --dump on the same ann_file).')
    fused = []
    for index, samples in enumerate(zip(*dumps)):
        records = [sample_to_record(s) for s in samples]
        where = _record_name(samples[0], index)
        for sample, record, name in zip(samples[1:], records[1:],
                                        names[1:]):
            other = _record_name(sample, index)
            if other != where:
                raise ValueError(
                    f'Record {index} of {name} is {other}, of '
                    f'{first_name} {where}: '
                    'the dumps list different records or orders; dump each '
                    'model on the same ann_file.')
            if record['label'] != records[0]['label'] or \
                    record['score'].shape != records[0]['score'].shape:
                raise ValueError(
                    f'{where}: {name} has label {record["label"]} and '
                    f'{record["score"].shape[0]} classes, {first_name} '
                    f'{records[0]["label"]} and '
                    f'{records[0]["score"].shape[0]}: fuse models of the '
                    'same task.')
        score = sum(w * r['score'] for w, r in zip(weights, records))
        sample = dict(samples[0])
        sample['pred_score'] = torch.as_tensor(score, dtype=torch.float32)
        sample['pred_label'] = torch.tensor(int(np.argmax(score)))
        fused.append(sample)
    return fused
