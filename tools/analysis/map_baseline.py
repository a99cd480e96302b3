# Copyright (c) nl1d contributors. All rights reserved.
"""The MAP-only baseline of hypotension prediction (lower mean arterial
pressure = higher risk), evaluated with a config's own metrics, splits and
patients: the command line of :mod:`nl1d.evaluation.map_baseline`.

Example:
    python tools/analysis/map_baseline.py \\
        configs/nl1d/hypotension/nl_r18_res5_1xb32-30e_hypotension.py \\
        --dump work_dirs/map_baseline/result.json
"""
import argparse
from typing import Dict, Optional, Sequence

from mmengine.logging import MMLogger

import nl1d  # noqa: F401  (stack repairs + registration, before mmaction)
from nl1d.evaluation.baseline_eval import baseline_parser, report
from nl1d.evaluation.map_baseline import run
from nl1d.runtime.cli import load_config


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = baseline_parser(
        'Evaluate the MAP-only baseline (lower mean arterial pressure = '
        'higher risk) with a config\'s metrics and splits.')
    parser.add_argument(
        '--last-seconds', type=float, default=None,
        help='MAP of the last S seconds of each window (default: the whole '
        'window)')
    parser.add_argument('--channel', type=int, default=0,
                        help='channel holding the arterial pressure')
    return parser.parse_args(argv)


def main(argv: Optional[Sequence[str]] = None) -> Dict[str, float]:
    args = parse_args(argv)
    cfg = load_config(args.config, args.cfg_options)
    MMLogger.get_instance('map_baseline', log_level='INFO')
    metrics, samples = run(cfg, args.last_seconds, args.channel,
                           args.val_dump)
    report(metrics, samples, 'MAP baseline', args.dump, args.out)
    return metrics


if __name__ == '__main__':
    main()
