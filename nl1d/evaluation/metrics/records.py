# Copyright (c) nl1d contributors. All rights reserved.
"""Turn the data samples a recognizer predicts into record-level arrays.

mmengine's ``Evaluator`` hands metrics one dict per *record* (a data sample
whose ``pred_score`` mmaction's head has already averaged over the record's
windows, ``average_clips='prob'``), and ``DumpResults`` dumps the same
dicts (``tools/test.py --dump``; read back with
:func:`nl1d.evaluation.results.load_results`). The helpers here read
those dicts once, so every metric and every analysis tool sees the same
scores, labels and metainfo.
"""
from typing import Any, Dict, List, Sequence, Tuple

import numpy as np
import torch


def _to_numpy(value: Any) -> np.ndarray:
    if isinstance(value, torch.Tensor):
        return value.detach().cpu().numpy()
    return np.asarray(value)


def sample_to_record(data_sample: Dict, keep_keys: Sequence[str] = ()
                     ) -> Dict[str, Any]:
    """Read the score, the label and chosen metainfo of one data sample.

    Args:
        data_sample (dict): One entry of ``data_samples`` as mmengine's
            ``Evaluator`` passes it (``ActionDataSample.to_dict()``), or one
            entry of a ``DumpResults`` dump. Needs ``pred_score`` (K,) and
            ``gt_label`` (1,) or a scalar.
        keep_keys (Sequence[str]): Metainfo keys to copy (e.g. a patient id
            used to group records for the bootstrap). Missing keys are left
            out; callers that need them report the error. Defaults to ().

    Returns:
        dict: ``score`` (np.ndarray (K,), float64), ``label`` (int) and the
        kept metainfo keys.
    """
    for key in ('pred_score', 'gt_label'):
        if key not in data_sample:
            raise KeyError(
                f'A data sample has no `{key}` (keys: '
                f'{sorted(data_sample)}). nl1d metrics need the recognizer\'s '
                '`pred_score` and the dataset\'s `gt_label` (set by '
                '`PackSignalInputs`).')
    score = _to_numpy(data_sample['pred_score']).astype(np.float64)
    if score.ndim != 1:
        raise ValueError(
            f'`pred_score` has shape {tuple(score.shape)}, expected (K,): one '
            'score per class for a whole record. Set `average_clips=\'prob\'` '
            '(or \'score\') in the head config so clip scores are averaged.')
    label = _to_numpy(data_sample['gt_label']).reshape(-1)
    if label.size != 1:
        raise ValueError(
            f'`gt_label` has {label.size} entries; nl1d metrics handle '
            'single-label records only (one class index per record).')
    record = dict(score=score, label=int(label[0]))
    for key in keep_keys:
        if key in data_sample:
            record[key] = data_sample[key]
    return record


def check_label_range(labels: np.ndarray, num_scores: int,
                      owner: str) -> None:
    """Check that every label indexes a class of the scores.

    A head with one (sigmoid) score is binary, so labels lie in
    ``[0, max(K, 2))``.

    Args:
        labels (np.ndarray): (N,) labels.
        num_scores (int): ``K``, the scores per record.
        owner (str): Who checks, named in the message (e.g. the metric).

    Raises:
        ValueError: A label lies outside the range; the message says to fix
            the head's ``num_classes``.
    """
    if labels.size and (labels.min() < 0
                        or labels.max() >= max(num_scores, 2)):
        raise ValueError(
            f'{owner}: labels span [{labels.min()}, {labels.max()}] but '
            f'pred_score has {num_scores} classes: set the head\'s '
            '`num_classes` to the number of classes of the dataset.')


def stack_records(records: List[Dict],
                  owner: str = 'nl1d') -> Tuple[np.ndarray, np.ndarray]:
    """Stack record scores and labels, checking the labels' range
    (:func:`check_label_range`).

    Args:
        records (list[dict]): Outputs of :func:`sample_to_record`.
        owner (str): Who stacks them, named in error messages (e.g. the
            metric). Defaults to ``'nl1d'``.

    Returns:
        tuple[np.ndarray, np.ndarray]: ``scores`` (N, K) float64 and
        ``labels`` (N,) int64.
    """
    if not records:
        raise ValueError('No records to evaluate: the dataloader gave no '
                         'samples (check the annotation file).')
    num_classes = {r['score'].shape[0] for r in records}
    if len(num_classes) != 1:
        raise ValueError(f'Records have different numbers of class scores: '
                         f'{sorted(num_classes)}.')
    scores = np.stack([r['score'] for r in records])
    labels = np.array([r['label'] for r in records], dtype=np.int64)
    check_label_range(labels, scores.shape[1], owner)
    return scores, labels


def positive_scores(scores: np.ndarray) -> np.ndarray:
    """Score of the positive class of a binary task.

    Args:
        scores (np.ndarray): (N, 2) class scores (class 1 is positive) or
            (N, 1) sigmoid outputs.

    Returns:
        np.ndarray: (N,) positive-class scores.
    """
    if scores.ndim != 2 or scores.shape[1] not in (1, 2):
        raise ValueError(f'Binary scores must have shape (N, 1) or (N, 2), '
                         f'got {scores.shape}.')
    return scores[:, -1]
