# Copyright (c) nl1d contributors. All rights reserved.
"""The RR-interval baseline of atrial fibrillation detection (R peaks -> RR
irregularity features -> gradient boosting), evaluated with a config's own
metrics and splits: the command line of :mod:`nl1d.evaluation.rr_baseline`.

Example:
    python tools/analysis/rr_baseline.py \\
        configs/nl1d/cinc2017/nl_r18_res5_1xb32-40e_cinc2017-af.py \\
        --out work_dirs/rr_baseline/metrics.json \\
        --dump work_dirs/rr_baseline/result.json \\
        --val-dump work_dirs/rr_baseline/val_result.json
"""
import argparse
from typing import Dict, Optional, Sequence

from mmengine.logging import MMLogger

import nl1d  # noqa: F401  (stack repairs + registration, before mmaction)
from nl1d.evaluation.baseline_eval import baseline_parser, report
from nl1d.evaluation.rr_baseline import run
from nl1d.runtime.cli import load_config


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = baseline_parser(
        'Evaluate the RR-interval baseline (R peaks -> RR irregularity '
        'features -> gradient boosting) with a config\'s metrics and '
        'splits.')
    parser.add_argument('--channel', type=int, default=0,
                        help='channel holding the ECG lead')
    return parser.parse_args(argv)


def main(argv: Optional[Sequence[str]] = None) -> Dict[str, float]:
    args = parse_args(argv)
    cfg = load_config(args.config, args.cfg_options)
    MMLogger.get_instance('rr_baseline', log_level='INFO')
    metrics, samples = run(cfg, args.channel, args.val_dump)
    report(metrics, samples, 'RR baseline', args.dump, args.out)
    return metrics


if __name__ == '__main__':
    main()
