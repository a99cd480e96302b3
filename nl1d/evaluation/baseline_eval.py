# Copyright (c) nl1d contributors. All rights reserved.
"""Evaluate a non-network baseline exactly as a model is evaluated.

A baseline (``tools/analysis/map_baseline.py``, ``rr_baseline.py``) scores
the records of a config's datasets without a network. What follows is the
same for every baseline and lives here: the config's dataset of each split,
its evaluators (less the metrics that write files), the decision threshold
chosen on the validation split by the validation ``ThresholdMetric`` and
frozen for the test split (as ``ThresholdHook`` does for a model), the test
metrics printed in ``tools/test.py``'s format, and ``--dump`` / ``--out``.

Examples:
    >>> train = build_split(cfg, 'train')
    >>> scorer.fit(train)
    >>> metrics, samples = evaluate_val_test(
    ...     cfg, lambda dataset: scorer.samples(dataset), 'RR baseline')
    >>> report(metrics, samples, 'RR baseline', dump='result.json')
"""
import argparse
import json
import os
import os.path as osp
from typing import (Callable, Dict, Iterator, List, Optional, Sequence,
                    Tuple, Union)

import numpy as np
import torch
from mmengine import Config
from mmengine.evaluator import Evaluator
from mmengine.logging import print_log
from mmengine.registry import init_default_scope

from nl1d.runtime.cli import add_cfg_options
from .metrics.dump_results import name_records
from .metrics.thresholds import threshold_metrics
from .results import ResultFileError, check_result_path, save_results

#: Metrics that write files instead of computing values.
SKIPPED_METRICS = ('DumpResults', )

#: A baseline's scoring of a dataset: its data samples (see
#: :func:`binary_samples`).
SampleFn = Callable[[object], List[Dict]]


def baseline_parser(description: str) -> argparse.ArgumentParser:
    """A baseline tool's parser: ``config``, ``--dump``, ``--out`` and
    ``--cfg-options``; the tool adds its own options.

    Args:
        description (str): The tool's description.

    Returns:
        argparse.ArgumentParser: The parser.
    """
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument('config', help='config of the model it is compared '
                        'with (its datasets and evaluators are used)')
    parser.add_argument('--dump', type=_result_path,
                        help='write the test predictions to this file, '
                        'result.json or result.pkl (tools/test.py --dump '
                        'formats)')
    parser.add_argument('--val-dump', type=_result_path,
                        help='also write the validation predictions to this '
                        'file (for a score fusion\'s --val-preds)')
    parser.add_argument('--out', help='write the test metrics to this json')
    add_cfg_options(
        parser, default={},
        help='override settings of the config, xxx=yyy format, e.g. '
        'test_evaluator.0.n_bootstrap=2000')
    return parser


def _result_path(path: str) -> str:
    """argparse type of ``--dump`` / ``--val-dump``: a known suffix, checked
    before anything is scored."""
    try:
        return check_result_path(path, 'result file')
    except ResultFileError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def build_split(cfg: Config, split: str):
    """The config's dataset of a split, or None when it has none.

    Sets the config's default scope (``mmaction``) first, so the dataset
    and the metrics are found in nl1d's registries.

    Args:
        cfg (Config): The config.
        split (str): ``'train'``, ``'val'`` or ``'test'``.

    Returns:
        SignalDataset | None: The dataset of ``{split}_dataloader``.
    """
    from mmaction.registry import DATASETS
    init_default_scope(cfg.get('default_scope', 'mmaction'))
    loader = cfg.get(f'{split}_dataloader')
    if not loader:
        return None
    return DATASETS.build(loader['dataset'])


def record_channels(dataset, channel: int = 0
                    ) -> Iterator[Tuple[dict, np.ndarray, Optional[float]]]:
    """Every record of a dataset: its info, one channel and its rate.

    Args:
        dataset (SignalDataset): The dataset.
        channel (int): The channel to read (the tool's ``--channel``).
            Defaults to 0.

    Yields:
        tuple: The record's ``info`` (``filename``, ``label``...), the
        channel (L,) memory-mapped, and the sampling rate in Hz (the
        record's, else the dataset's; None when neither is set).
    """
    for i in range(len(dataset)):
        info = dataset.get_data_info(i)
        signal = np.load(info['filename'], mmap_mode='r')  # (C, L)
        if channel >= signal.shape[0]:
            raise ValueError(
                f'{info["filename"]} has {signal.shape[0]} channel(s); '
                f'--channel {channel} does not exist.')
        rate = info.get('sampling_rate') or dataset.sampling_rate
        yield info, signal[channel], rate


def build_evaluator(metrics: Union[Dict, Sequence[Dict]]) -> Evaluator:
    """An evaluator of a config's metrics, less those that write files.

    Args:
        metrics (dict | list[dict]): ``cfg.val_evaluator`` or
            ``cfg.test_evaluator`` (a metric, a list of them, or a dict with
            ``metrics``).

    Returns:
        Evaluator: Without :data:`SKIPPED_METRICS`.
    """
    if isinstance(metrics, dict) and 'metrics' in metrics:
        metrics = metrics['metrics']
    if isinstance(metrics, dict):
        metrics = [metrics]
    return Evaluator(
        [m for m in metrics if m.get('type') not in SKIPPED_METRICS])


def binary_samples(probs: np.ndarray, labels: np.ndarray,
                   files: Sequence[str], **extra: np.ndarray) -> List[Dict]:
    """Data samples as a recognizer's test step returns them (and as
    ``DumpResults`` dumps them) for P(class 1) scores.

    Args:
        probs (np.ndarray): (N,) probabilities of class 1.
        labels (np.ndarray): (N,) true labels.
        files (Sequence[str]): The N records' files.
        **extra (np.ndarray): (N,) values stored as floats under their
            keyword in each sample (e.g. ``map=maps``).

    Returns:
        list[dict]: ``pred_score`` (2,), ``pred_label``, ``gt_label`` (1,),
        ``filename`` and the ``extra`` keys.
    """
    samples = []
    for i, (p, label, file) in enumerate(zip(probs, labels, files)):
        sample = dict(
            pred_score=torch.tensor([1 - p, p], dtype=torch.float32),
            pred_label=torch.tensor(int(p >= 0.5)),
            gt_label=torch.tensor([int(label)]),
            filename=file)
        sample.update({k: float(v[i]) for k, v in extra.items()})
        samples.append(sample)
    return samples


def format_metrics(metrics: Dict[str, float], num: int) -> str:
    """``Epoch(test) [N/N]    key: value  ...``, as tools/test.py logs."""
    values = '  '.join(f'{k}: {v:.4f}' for k, v in metrics.items())
    return f'Epoch(test) [{num}/{num}]    {values}'


def evaluate_val_test(
        cfg: Config,
        samples_of: SampleFn,
        name: str,
        unit: str = 'records',
        threshold_note: Optional[Callable[[float], str]] = None,
        threshold: Optional[float] = None,
        val_dump: Optional[str] = None
) -> Tuple[Dict[str, float], List[Dict]]:
    """Choose the thresholds on val, freeze them, evaluate on test.

    Each ``ThresholdMetric`` of ``cfg.test_evaluator`` gets the threshold
    its namesake (same prefix) of ``cfg.val_evaluator`` chose on the
    validation split; without a validation split or evaluator the test
    metrics keep the config's behaviour (``frozen=True`` with no threshold
    fails with ``ThresholdMetric``'s message). A ``threshold`` given is
    used instead, and the validation split is not read.

    Args:
        cfg (Config): The config.
        samples_of (callable): A dataset -> its data samples, scored by the
            (already fitted) baseline.
        name (str): The baseline's name for the log, e.g.
            ``'MAP baseline'``.
        unit (str): What a sample is, for the log. Defaults to
            ``'records'``.
        threshold_note (callable, optional): A threshold -> words appended
            to its source, e.g. ``'(= MAP 65.2 mmHg)'``. Defaults to None.
        threshold (float, optional): The threshold of every test
            ``ThresholdMetric`` (a tool's ``--threshold``). Defaults to
            None.
        val_dump (str, optional): File of the validation data samples
            (``--val-dump``; ``.json`` or ``.pkl``, as ``tools/test.py
            --dump``), written when the validation split is scored.
            Defaults to None.

    Returns:
        tuple: The test metrics and the test data samples (with the class
        names of ``DumpResults`` when the dataset names its classes).
    """
    init_default_scope(cfg.get('default_scope', 'mmaction'))
    test_evaluator = build_evaluator(cfg.test_evaluator)
    frozen = threshold_metrics(test_evaluator)
    for target in frozen if threshold is not None else []:
        target.set_threshold(threshold,
                             'given on the command line (--threshold)')
    val = build_split(cfg, 'val') \
        if cfg.get('val_evaluator') and threshold is None else None
    if val_dump and val is None:
        raise ValueError(
            f'--val-dump {val_dump}: no validation split is scored (the '
            'config has no val_dataloader or val_evaluator, or --threshold '
            'was given); drop --val-dump or use a config with both.')
    if val is not None:
        val_evaluator = build_evaluator(cfg.val_evaluator)
        samples = samples_of(val)
        val_evaluator.process(samples)
        val_metrics = val_evaluator.evaluate(len(samples))
        if val_dump:
            _dump(name_records(samples, val.metainfo), val_dump)
        print_log(f'{name}, validation: ' + format_metrics(
            val_metrics, len(samples)).replace('Epoch(test)', 'Epoch(val)'),
                  logger='current')
        for metric in threshold_metrics(val_evaluator):
            threshold = val_metrics.get(f'{metric.prefix}/threshold')
            if threshold is None or not np.isfinite(threshold):
                continue
            source = (f'chosen on the {len(samples)} validation {unit} by '
                      f'{metric.selection} for the {name}')
            if threshold_note is not None:
                source += f' {threshold_note(threshold)}'
            for target in frozen:
                if target.prefix == metric.prefix:
                    target.set_threshold(threshold, source)
    test = build_split(cfg, 'test')
    if test is None:
        raise ValueError(f'{cfg.filename}: no test_dataloader to evaluate.')
    samples = samples_of(test)
    test_evaluator.process(samples)
    metrics = test_evaluator.evaluate(len(samples))
    return metrics, name_records(samples, test.metainfo)


def _dump(samples: List[Dict], path: str) -> None:
    """Write data samples in the format of the suffix (``tools/test.py
    --dump`` formats, :func:`~nl1d.evaluation.results.save_results`)."""
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    save_results(samples, path)
    print(f'predictions written to {path}')


def report(metrics: Dict[str, float],
           samples: List[Dict],
           name: str,
           dump: Optional[str] = None,
           out: Optional[str] = None) -> None:
    """Print the test metrics (tools/test.py's line, then a table) and write
    the predictions and the metrics.

    Args:
        metrics (dict): The test metrics.
        samples (list[dict]): The test data samples.
        name (str): The baseline's name, prefixing the log line.
        dump (str, optional): File of the samples (``.json`` or ``.pkl``,
            as ``tools/test.py --dump``). Defaults to None.
        out (str, optional): Json of the metrics. Defaults to None.
    """
    print_log(f'{name}: ' + format_metrics(metrics, len(samples)),
              logger='current')
    width = max(len(k) for k in metrics)
    for key, value in metrics.items():
        print(f'{key:<{width}}  {value:.4f}')
    if dump:
        _dump(samples, dump)
    if out:
        os.makedirs(osp.dirname(osp.abspath(out)), exist_ok=True)
        with open(out, 'w') as f:
            json.dump(metrics, f, indent=2)
