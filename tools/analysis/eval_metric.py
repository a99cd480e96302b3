# Copyright (c) nl1d contributors. All rights reserved.
"""Recompute every metric of a config's test evaluator from a dump, without
the model: the command line of :func:`nl1d.analysis.dump_eval.evaluate_file`.

Example:
    python tools/test.py CONFIG CKPT --dump result.json
    python tools/analysis/eval_metric.py CONFIG result.json --checkpoint CKPT

The dump is read with :func:`nl1d.evaluation.results.load_results`: a
``.json`` is plain data; a ``.pkl`` (mmaction2's ``--dump result.pkl``) is
read only if it holds what ``--dump`` writes, and refused, unrun, otherwise.
"""
import argparse

import nl1d  # registration; nl1d.setup_env() in main()
from nl1d.analysis.dump_eval import evaluate_file
from nl1d.runtime.cli import add_cfg_options


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


def main() -> None:
    nl1d.setup_env()  # quiet start-up (checkpoints are read by nl1d's loader)
    args = parse_args()
    evaluate_file(args.config, args.results, args.checkpoint, args.threshold,
                  args.chunk_size, args.out, args.cfg_options)


if __name__ == '__main__':
    main()
