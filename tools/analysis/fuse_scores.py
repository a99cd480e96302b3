# Copyright (c) nl1d contributors. All rights reserved.
"""Fuse several models' test dumps (weighted mean of their class scores, as
mmaction2's ``tools/analysis_tools/report_accuracy.py``, or of their
log-probabilities: ``--mean geometric``) and evaluate the fusion with a
config's test metrics: the command line of
:func:`nl1d.analysis.fusion.fuse_dumps` (how thresholds and weights are
chosen is documented there).

Example:
    python tools/analysis/fuse_scores.py CONFIG \\
        --preds a/result.json b/result.json \\
        --val-preds a/val_result.json b/val_result.json --out metrics.json
"""
import argparse
from typing import Dict, Optional, Sequence

from mmengine.logging import MMLogger

import nl1d  # noqa: F401  (stack repairs + registration, before mmaction)
from nl1d.analysis.fusion import fuse_dumps
from nl1d.evaluation.baseline_eval import baseline_parser
from nl1d.evaluation.score_fusion import MEANS


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = baseline_parser(
        'Fuse the class scores of several models\' tools/test.py dumps and '
        'evaluate the fusion with the config\'s test metrics.')
    parser.add_argument('--preds', nargs='+', required=True,
                        help='test dumps (tools/test.py --dump, .json or '
                        '.pkl), one per model')
    parser.add_argument('--val-preds', nargs='+',
                        help='the same models\' dumps of the validation '
                        'records, in the same order: the thresholds are '
                        'chosen on their fusion')
    parser.add_argument('--coefficients', nargs='+', type=float,
                        help='one weight per model (default: equal)')
    parser.add_argument('--choose-coefficients', action='store_true',
                        help='choose the weights on the --val-preds: the '
                        'grid of 0.1 steps, scored by the config\'s '
                        'save_best metric')
    parser.add_argument('--mean', choices=MEANS, default='arithmetic',
                        help='mean of the probabilities (mmaction2\'s) or '
                        'of the log-probabilities (log-odds for one class '
                        'against the rest); default: arithmetic')
    parser.add_argument('--threshold', type=float,
                        help='decision threshold for every ThresholdMetric '
                        '(instead of --val-preds)')
    return parser.parse_args(argv)


def main(argv: Optional[Sequence[str]] = None) -> Dict[str, float]:
    args = parse_args(argv)
    MMLogger.get_instance('fuse_scores', log_level='INFO')
    return fuse_dumps(args.config, args.preds, args.val_preds,
                      args.coefficients, args.choose_coefficients, args.mean,
                      args.threshold, args.dump, args.out, args.val_dump,
                      args.cfg_options)


if __name__ == '__main__':
    main()
