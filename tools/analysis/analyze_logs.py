# Copyright (c) nl1d contributors. All rights reserved.
"""Plot loss, learning rate and metric curves from mmengine's json logs,
compute the mean training time per iteration, and summarise a key over
stretches of training: the command line of :mod:`nl1d.analysis.logs` (the
interface of mmaction2's ``tools/analysis_tools/analyze_logs.py``, plus
``summarize``).

Examples:
    python tools/analysis/analyze_logs.py plot_curve LOG.json \
        --keys loss lr auc/auroc --out curves.png
    python tools/analysis/analyze_logs.py cal_train_time LOG.json
    python tools/analysis/analyze_logs.py summarize LOG.json \
        --keys thr_acc/accuracy --every 100
"""
import argparse

import matplotlib

matplotlib.use('Agg')
from nl1d.analysis.logs import (cal_train_time, plot_curve,  # noqa: E402
                                summarize)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Analyze Json Log')
    subparsers = parser.add_subparsers(dest='task', help='task parser')
    plot = subparsers.add_parser('plot_curve', help='plot curves')
    plot.add_argument('json_logs', nargs='+', help='json logs of vis_data/')
    plot.add_argument('--keys', nargs='+', default=['loss'],
                      help='keys to plot, e.g. loss lr auc/auroc')
    plot.add_argument('--title', help='title of the figure')
    plot.add_argument('--legend', nargs='+', help='legend of each log')
    plot.add_argument('--out', help='output image (e.g. curves.png)')
    time = subparsers.add_parser('cal_train_time',
                                 help='mean time per training iteration')
    time.add_argument('json_logs', nargs='+', help='json logs of vis_data/')
    time.add_argument('--include-outliers', action='store_true',
                      help='keep the first iteration of each epoch')
    summary = subparsers.add_parser(
        'summarize', help='mean of a key over consecutive stretches')
    summary.add_argument('json_logs', nargs='+',
                         help='json logs of vis_data/')
    summary.add_argument('--keys', nargs='+', required=True,
                         help='keys to summarise, e.g. thr_acc/accuracy')
    summary.add_argument('--every', type=int, default=100,
                         help='stretch length in logged steps (epochs for '
                         'epoch-based validation)')
    args = parser.parse_args()
    if args.task is None:
        parser.error('choose a task: plot_curve, cal_train_time or '
                     'summarize')
    return args


def main() -> None:
    args = parse_args()
    if args.task == 'plot_curve':
        plot_curve(args.json_logs, args.keys, args.out, args.title,
                   args.legend)
    elif args.task == 'summarize':
        summarize(args.json_logs, args.keys, args.every)
    else:
        cal_train_time(args.json_logs, args.include_outliers)


if __name__ == '__main__':
    main()
