# Copyright (c) nl1d contributors. All rights reserved.
"""Recompute every metric of a config's test evaluator from a dump, without
the model (``tools/analysis/eval_metric.py``)::

    python tools/test.py CONFIG CKPT --dump result.json
    python tools/analysis/eval_metric.py CONFIG result.json --checkpoint CKPT

The dump is read with :func:`nl1d.evaluation.results.load_results`: a
``.json`` is plain data; a ``.pkl`` (mmaction2's ``--dump result.pkl``) is
read only if it holds what ``--dump`` writes, and refused, unrun, otherwise.
"""
import json
import os.path as osp
from typing import Dict, Optional

from mmengine import Config
from mmengine.evaluator import Evaluator
from mmengine.registry import init_default_scope

from nl1d.checkpoint import load_checkpoint_file
from nl1d.evaluation.baseline_eval import build_evaluator as build_metrics
from nl1d.evaluation.metrics.thresholds import (describe_entry,
                                                stored_thresholds,
                                                threshold_metrics)
from nl1d.evaluation.results import load_results
from nl1d.runtime.cli import load_config
from nl1d.runtime.progress import ProgressBar


def build_evaluator(cfg: Config,
                    checkpoint: Optional[str] = None,
                    threshold: Optional[float] = None) -> Evaluator:
    """The config's test metrics, thresholds set.

    Args:
        cfg (Config): The config.
        checkpoint (str, optional): Checkpoint giving thresholds chosen on
            validation and class names. Defaults to None.
        threshold (float, optional): Threshold for every ThresholdMetric.
            Defaults to None.

    Returns:
        Evaluator: The evaluator.
    """
    init_default_scope(cfg.get('default_scope', 'mmaction'))
    evaluator = build_metrics(cfg.test_evaluator)
    if not evaluator.metrics:
        raise ValueError(f'{cfg.filename}: test_evaluator has no metric to '
                         'compute (only DumpResults).')
    if checkpoint is not None:
        meta = load_checkpoint_file(
            checkpoint, map_location='cpu').get('meta', {})
        if 'dataset_meta' in meta:
            evaluator.dataset_meta = meta['dataset_meta']
        stored = stored_thresholds(meta)
        for metric in threshold_metrics(evaluator):
            if metric.prefix in stored:
                metric.set_threshold(
                    stored[metric.prefix]['threshold'],
                    describe_entry(stored[metric.prefix], checkpoint))
    if threshold is not None:
        for metric in threshold_metrics(evaluator):
            metric.set_threshold(threshold,
                                 'given on the command line (--threshold)')
    return evaluator


def evaluate_dump(cfg: Config,
                  results: list,
                  checkpoint: Optional[str] = None,
                  threshold: Optional[float] = None,
                  chunk_size: int = 256,
                  evaluator: Optional[Evaluator] = None) -> Dict[str, float]:
    """Run the config's test metrics on dumped data samples.

    Args:
        cfg (Config): The config.
        results (list[dict]): Data samples from ``DumpResults``
            (:func:`~nl1d.evaluation.results.load_results`).
        checkpoint (str, optional): See :func:`build_evaluator`. Defaults
            to None.
        threshold (float, optional): See :func:`build_evaluator`. Defaults
            to None.
        chunk_size (int): Records processed per step. Defaults to 256.
        evaluator (Evaluator, optional): A prepared evaluator. Defaults to
            None (built from the arguments above).

    Returns:
        dict[str, float]: The metrics.
    """
    if evaluator is None:
        evaluator = build_evaluator(cfg, checkpoint, threshold)
    bar = ProgressBar(len(results), title='evaluate')
    for start in range(0, len(results), chunk_size):
        chunk = results[start:start + chunk_size]
        evaluator.process(chunk)
        bar.update(len(chunk))
    return evaluator.evaluate(len(results))


def evaluate_file(config: str,
                  results: str,
                  checkpoint: Optional[str] = None,
                  threshold: Optional[float] = None,
                  chunk_size: int = 256,
                  out: Optional[str] = None,
                  cfg_options: Optional[Dict] = None) -> Dict[str, float]:
    """Evaluate the dump ``results`` with ``config``'s test evaluator, print
    the metrics (and where each threshold came from) and write them to
    ``out``.

    Args:
        config (str): The config file.
        results (str): ``result.json`` (or ``.pkl``) of ``tools/test.py
            --dump``.
        checkpoint (str, optional): Checkpoint whose validation thresholds
            (and class names) are used. Defaults to None.
        threshold (float, optional): Threshold of every ThresholdMetric
            instead. Defaults to None.
        chunk_size (int): Records processed per step. Defaults to 256.
        out (str, optional): Write the metrics to this json file.
        cfg_options (dict, optional): ``--cfg-options`` overrides.

    Returns:
        dict[str, float]: The metrics.
    """
    cfg = load_config(config, cfg_options)
    if not osp.isfile(results):
        raise FileNotFoundError(
            f'{results} does not exist: write it with `tools/test.py '
            'CONFIG CKPT --dump result.json`.')
    records = load_results(results)
    evaluator = build_evaluator(cfg, checkpoint, threshold)
    metrics = evaluate_dump(cfg, records, chunk_size=chunk_size,
                            evaluator=evaluator)
    width = max(len(k) for k in metrics)
    for key, value in metrics.items():
        print(f'{key:<{width}}  {value:.4f}')
    for metric in threshold_metrics(evaluator):
        if metric.threshold_source:
            print(f'{metric.prefix} threshold: {metric.threshold_source}')
    if out:
        with open(out, 'w') as f:
            json.dump(metrics, f, indent=2)
    return metrics
