# Copyright (c) nl1d contributors. All rights reserved.
"""Draw ROC and precision-recall curves, with bootstrap confidence bands and
the operating point, from the predictions dumped by ``tools/test.py --dump``:
the command line of :func:`nl1d.analysis.curves.plot_dump`.

Class names in the legends and titles come from ``--classes`` (names, or
a ``classes.txt``), else the checkpoint's ``dataset_meta``, else the dump
itself, else the class indices. The dump is read with
:func:`nl1d.evaluation.results.load_results`, which runs nothing from it.

Example:
    python tools/analysis/plot_curves.py result.json --out curves/ \\
        --checkpoint best_auc_auroc_epoch_10.pth --n-bootstrap 1000
"""
import argparse

import matplotlib

matplotlib.use('Agg')
import nl1d  # noqa: E402  # registration; nl1d.setup_env() in main()
from nl1d.analysis.curves import plot_dump  # noqa: E402


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='ROC and PR curves with bootstrap CI bands')
    parser.add_argument('results', help='result.json (or .pkl) from '
                        'tools/test.py --dump')
    parser.add_argument('--out', required=True, help='output folder')
    group = parser.add_mutually_exclusive_group()
    group.add_argument('--checkpoint', help='checkpoint holding the '
                       'threshold chosen on validation (ThresholdHook)')
    group.add_argument('--threshold', type=float,
                       help='operating point threshold')
    parser.add_argument('--threshold-key', default='thr_acc',
                        help='prefix of the ThresholdMetric whose stored '
                        'threshold to draw')
    parser.add_argument('--n-bootstrap', type=int, default=1000,
                        help='bootstrap resamples for the bands (0: none)')
    parser.add_argument('--ci-level', type=float, default=0.95)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--group-key', help='metainfo key of the group '
                        '(e.g. patient) to resample')
    parser.add_argument('--group-file', help='`record_id group_id` file')
    parser.add_argument('--record-key', default='filename')
    parser.add_argument(
        '--classes', nargs='+',
        help='class names in index order, or one classes.txt (default: the '
        'checkpoint\'s, else those in the dump)')
    return parser.parse_args()



def main() -> None:
    nl1d.setup_env()  # quiet start-up (checkpoints are read by nl1d's loader)
    args = parse_args()
    plot_dump(args.results, args.out, args.checkpoint, args.threshold,
              args.threshold_key, args.n_bootstrap, args.ci_level, args.seed,
              args.group_key, args.group_file, args.record_key, args.classes)


if __name__ == '__main__':
    main()
