# Copyright (c) nl1d contributors. All rights reserved.
"""Score fusion: one prediction per record from several models' dumps.

mmaction2 fuses the class scores of several models (two-stream RGB + flow,
``tools/analysis_tools/report_accuracy.py``) by a weighted mean; this is the
same for ``tools/test.py --dump`` files, record by record, with a check
that every dump holds the same records in the same order with the same
labels. Two means:

- ``arithmetic`` (mmaction2's): the weighted mean of the probabilities;
- ``geometric``: the weighted mean of the log-probabilities, renormalised
  (a product of experts); for two classes, the weighted mean of the
  log-odds. Models whose scores live on different scales (a network's
  near-0/1 probabilities, a gradient-boosted baseline's moderate ones) are
  weighed by their evidence instead of by the more extreme one.

A binary task evaluated as one class against the rest (``positive_class``)
fuses the models' probabilities of that class, so a four-rhythm network and
a two-class baseline fuse into one AF-vs-rest score. The weights can be
chosen on the validation dumps (:func:`choose_coefficients`).

Examples:
    >>> fused = fuse_samples(load_dumps(['a.json', 'b.json'], '--preds'),
    ...                      names=['a.json', 'b.json'])
"""
import itertools
import os.path as osp
from typing import (Callable, Dict, Iterator, List, Optional, Sequence,
                    Tuple)

import numpy as np
import torch

from .metrics.records import sample_to_record
from .results import ResultFileError, load_results


def _record_name(sample: Dict, index: int) -> str:
    return str(sample.get('filename', sample.get('sample_idx', index)))


#: The means :func:`fuse_samples` knows.
MEANS = ('arithmetic', 'geometric')

#: Probabilities are clipped here before their logarithm (geometric mean).
EPS = 1e-12


def _one_vs_rest(record: Dict, positive_class: int, name: str,
                 where: str) -> Dict:
    """``[1 - p_k, p_k]`` and ``label == k`` of a record."""
    score = record['score']
    if positive_class >= score.shape[0]:
        raise ValueError(
            f'{where}: {name} scores {score.shape[0]} classes, so the '
            f'positive class {positive_class} does not exist; fuse dumps of '
            'models that score it (positive_class of the config\'s metrics).')
    p = score[positive_class]
    return dict(score=np.array([1 - p, p]),
                label=int(record['label'] == positive_class))


def _mean(scores: Sequence[np.ndarray], weights: np.ndarray,
          mean: str) -> np.ndarray:
    """The weighted ``mean`` of M (K,) probability vectors, (K,)."""
    if mean == 'arithmetic':
        return sum(w * s for w, s in zip(weights, scores))
    log = sum(w * np.log(np.clip(s, EPS, 1.0))
              for w, s in zip(weights, scores))
    fused = np.exp(log - log.max())
    return fused / fused.sum()


def aligned_records(
        dumps: Sequence[List[Dict]],
        names: Sequence[str],
        positive_class: Optional[int] = None
) -> Iterator[Tuple[Tuple[Dict, ...], List[Dict]]]:
    """The same record of every dump, checked to be the same record.

    Args:
        dumps (Sequence[list[dict]]): M lists of data samples (``DumpResults``
            files), each of the same N records in the same order.
        names (Sequence[str]): M names of the dumps (their files), for error
            messages.
        positive_class (int, optional): Turn each record into this class
            against the rest (``score`` (2,), ``label`` 0/1), so that models
            of different class sets compare. Defaults to None.

    Yields:
        tuple: For each of the N records, its M data samples and their M
        records (:func:`sample_to_record`: ``score`` (K,), ``label``).

    Raises:
        ValueError: Dumps that differ in records, order, labels or number
            of classes.
    """
    first, first_name = dumps[0], names[0]
    for dump, name in zip(dumps[1:], names[1:]):
        if len(dump) != len(first):
            raise ValueError(
                f'{name} holds {len(dump)} records and {first_name} '
                f'{len(first)}: use dumps of the same split (tools/test.py '
                'CONFIG CKPT --dump on the same ann_file).')
    for index, samples in enumerate(zip(*dumps)):
        records = [sample_to_record(s) for s in samples]
        where = _record_name(samples[0], index)
        if positive_class is not None:
            records = [_one_vs_rest(r, positive_class, name, where)
                       for r, name in zip(records, names)]
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
                    f'{records[0]["score"].shape[0]}: use models of the '
                    'same task.')
        yield samples, records


def fuse_samples(dumps: Sequence[List[Dict]],
                 coefficients: Optional[Sequence[float]] = None,
                 names: Optional[Sequence[str]] = None,
                 mean: str = 'arithmetic',
                 positive_class: Optional[int] = None) -> List[Dict]:
    """The weighted mean of the models' ``pred_score`` for every record.

    Args:
        dumps (Sequence[list[dict]]): M lists of data samples (``DumpResults``
            files), each of the same N records in the same order.
        coefficients (Sequence[float], optional): M non-negative weights,
            normalised to sum 1. Defaults to None (equal weights).
        names (Sequence[str], optional): M names of the dumps (their files),
            for error messages. Defaults to None (``dump 0`` ...).
        mean (str): One of :data:`MEANS`. Defaults to ``'arithmetic'``.
        positive_class (int, optional): Fuse each model's probability of
            this class against the rest: the fused ``pred_score`` is (2,)
            and ``gt_label`` 1 for the class, 0 for the rest; the models
            may score different numbers of classes. Defaults to None (the
            models' K classes).

    Returns:
        list[dict]: N data samples: the first dump's samples with
        ``pred_score`` (K,) the fused probabilities and ``pred_label`` their
        arg-max (and ``gt_label`` one-vs-rest with ``positive_class``).

    Raises:
        ValueError: Fewer than two dumps, bad coefficients or mean, or dumps
            that differ in records, labels or number of classes.
    """
    if mean not in MEANS:
        raise ValueError(f'--mean {mean!r}: choose one of {MEANS}.')
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
    fused = []
    for samples, records in aligned_records(dumps, names, positive_class):
        score = _mean([r['score'] for r in records], weights, mean)
        sample = dict(samples[0])
        sample['pred_score'] = torch.as_tensor(score, dtype=torch.float32)
        sample['pred_label'] = torch.tensor(int(np.argmax(score)))
        if positive_class is not None:
            sample['gt_label'] = torch.tensor([records[0]['label']])
        fused.append(sample)
    return fused


def coefficient_grid(num: int, step: float = 0.1) -> List[Tuple[float, ...]]:
    """Every weight vector of ``num`` models on a grid of ``step`` that sums
    to 1 (zeros included: a model may be left out), the equal-weighted
    ones first (ties of :func:`choose_coefficients` go to them).

    Args:
        num (int): M, the models.
        step (float): The grid's step; 1 / step must be an integer.
            Defaults to 0.1.

    Returns:
        list[tuple]: The weight vectors, by distance to equal weights.
    """
    parts = round(1 / step)
    if num < 2 or abs(parts * step - 1) > 1e-9:
        raise ValueError(f'coefficient_grid: {num} models on a step of '
                         f'{step}; give at least two models and a step that '
                         'divides 1.')
    grid = [tuple(c / parts for c in counts)
            for counts in itertools.product(range(parts + 1), repeat=num)
            if sum(counts) == parts]
    return sorted(grid, key=lambda w: sum((x - 1 / num)**2 for x in w))


def choose_coefficients(
        dumps: Sequence[List[Dict]],
        score: Callable[[List[Dict]], float],
        step: float = 0.1,
        **fuse_kwargs) -> Tuple[Tuple[float, ...], float]:
    """The weights whose fusion of the (validation) ``dumps`` scores best.

    Args:
        dumps (Sequence[list[dict]]): M dumps of the validation records.
        score (callable): Fused data samples -> the selection metric,
            greater is better (e.g. the validation AUROC).
        step (float): See :func:`coefficient_grid`. Defaults to 0.1.
        **fuse_kwargs: ``names``, ``mean``, ``positive_class`` of
            :func:`fuse_samples`.

    Returns:
        tuple: The chosen weights and their score; on a tie the weights
        nearest to equal ones.
    """
    best, best_score = None, -np.inf
    for weights in coefficient_grid(len(dumps), step):
        value = score(fuse_samples(dumps, weights, **fuse_kwargs))
        if value > best_score:
            best, best_score = weights, value
    return best, best_score


def pop_positive_class(cfg) -> Optional[int]:
    """The ``positive_class`` a config's metrics evaluate against the rest
    (None when they evaluate every class), removed from its val and test
    metrics: scores made one-vs-rest (``positive_class`` of
    :func:`fuse_samples`) are already that class against the rest.

    Args:
        cfg (Config): The config; its ``val_evaluator`` and
            ``test_evaluator`` are modified in place.

    Returns:
        int | None: The positive class.
    """
    classes = set()
    for key in ('val_evaluator', 'test_evaluator'):
        metrics = cfg.get(key) or []
        if isinstance(metrics, dict):
            metrics = metrics.get('metrics', [metrics])
            metrics = [metrics] if isinstance(metrics, dict) else metrics
        for metric in metrics:
            if metric.get('positive_class') is not None:
                classes.add(metric.pop('positive_class'))
    if len(classes) > 1:
        raise ValueError(
            f'{cfg.filename}: the metrics evaluate different positive '
            f'classes {sorted(classes)} against the rest; use a config '
            'whose val and test metrics name one positive_class.')
    return classes.pop() if classes else None


def load_dumps(paths: Sequence[str], option: str) -> List[List[Dict]]:
    """Read ``tools/test.py --dump`` files with
    :func:`~nl1d.evaluation.results.load_results` (``.json``, or ``.pkl``
    through its restricted unpickler), naming the command-line ``option``
    of a missing file.

    Args:
        paths (Sequence[str]): The files.
        option (str): The option that gave them (e.g. ``'--preds'``).

    Returns:
        list[list[dict]]: One list of data samples per file.

    Raises:
        FileNotFoundError: A missing file.
        UnsafeResultFileError: A pickle that needs more than a dump holds;
            nothing from it was executed.
        ResultFileError: A malformed file.
    """
    dumps = []
    for path in paths:
        if not osp.isfile(path):
            raise FileNotFoundError(
                f'{option} {path}: no such file; write it with `tools/test.py '
                'CONFIG CKPT --dump result.json` (or a baseline\'s --dump).')
        try:
            dumps.append(load_results(path))
        except ResultFileError as e:  # the same class, the option named
            raise type(e)(f'{option}: {e}') from None
    return dumps
