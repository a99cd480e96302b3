# Copyright (c) nl1d contributors. All rights reserved.
"""Recompute every metric of a config's test evaluator from a dump, without
the model.

Example:
    python tools/test.py CONFIG CKPT --dump result.json
    python tools/analysis/eval_metric.py CONFIG result.json --checkpoint CKPT

The dump is read with :func:`nl1d.evaluation.result_io.load_results`: a
``.json`` is plain data; a ``.pkl`` (mmaction2's ``--dump result.pkl``) is
read only if it holds what ``--dump`` writes, and refused, unrun, otherwise.
"""
import argparse
import json
import os.path as osp
from typing import Dict, Optional

from mmengine import Config
from mmengine.evaluator import Evaluator
from mmengine.registry import init_default_scope
import nl1d  # registration; nl1d.setup_env() in main()
from nl1d.engine import (describe_entry, stored_thresholds,
                         threshold_metrics)
from nl1d.evaluation.baseline_eval import build_evaluator as build_metrics
from nl1d.utils.safe_load import load_checkpoint_file
from nl1d.evaluation.result_io import load_results
from nl1d.utils import add_cfg_options, load_config
from nl1d.utils.progress import ProgressBar


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Evaluate the predictions dumped by tools/test.py --dump')
    parser.add_argument('config', help='config file (its test_evaluator is '
                        'used)')
    parser.add_argument('results', help='result.json (or .pkl) from '
                        'tools/test.py --dump')
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        '--checkpoint',
        help='checkpoint whose validation threshold(s) ThresholdMetric '
        'applies (and whose class names are used)')
    group.add_argument(
        '--threshold', type=float,
        help='decision threshold for every ThresholdMetric')
    parser.add_argument('--chunk-size', type=int, default=256,
                        help='records processed per step')
    parser.add_argument('--out', help='write the metrics to this json file')
    add_cfg_options(
        parser, default={},
        help='override settings of the config, xxx=yyy format, e.g. '
        'test_evaluator.0.n_bootstrap=1000')
    return parser.parse_args()


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
            (:func:`~nl1d.evaluation.result_io.load_results`).
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


def main() -> None:
    nl1d.setup_env()  # quiet start-up (checkpoints are read by nl1d's loader)
    args = parse_args()
    cfg = load_config(args.config, args.cfg_options)
    if not osp.isfile(args.results):
        raise FileNotFoundError(
            f'{args.results} does not exist: write it with `tools/test.py '
            'CONFIG CKPT --dump result.json`.')
    results = load_results(args.results)
    evaluator = build_evaluator(cfg, args.checkpoint, args.threshold)
    metrics = evaluate_dump(cfg, results, chunk_size=args.chunk_size,
                            evaluator=evaluator)
    width = max(len(k) for k in metrics)
    for key, value in metrics.items():
        print(f'{key:<{width}}  {value:.4f}')
    for metric in threshold_metrics(evaluator):
        if metric.threshold_source:
            print(f'{metric.prefix} threshold: {metric.threshold_source}')
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(metrics, f, indent=2)


if __name__ == '__main__':
    main()
