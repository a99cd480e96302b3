# Copyright (c) nl1d contributors. All rights reserved.
"""Fuse several models' test dumps (weighted mean of their class scores, as
mmaction2's ``tools/analysis_tools/report_accuracy.py``) and evaluate the
fusion with a config's test metrics.

The decision threshold of each ``ThresholdMetric`` is chosen, by the
config's validation rule, on the fused *validation* dumps (``--val-preds``:
each model's ``tools/test.py`` run on the validation records) and frozen for
the test records, as for one model; without ``--val-preds`` give
``--threshold``.

Example:
    python tools/test.py CONFIG A.pth --dump a/result.pkl
    python tools/test.py CONFIG A.pth --dump a/val_result.pkl \\
        --cfg-options test_dataloader.dataset.ann_file=val.txt
    (the same for B)
    python tools/analysis/fuse_scores.py CONFIG \\
        --preds a/result.pkl b/result.pkl \\
        --val-preds a/val_result.pkl b/val_result.pkl --out metrics.json
"""
import argparse
import os.path as osp
from typing import Dict, List, Optional, Sequence

import mmengine

import nl1d  # noqa: F401  (stack repairs + registration, before mmaction)
from nl1d.evaluation.baseline_eval import (baseline_parser,
                                           evaluate_val_test, report)
from nl1d.evaluation.score_fusion import fuse_samples
from nl1d.utils import load_config


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = baseline_parser(
        'Fuse the class scores of several models\' tools/test.py dumps and '
        'evaluate the fusion with the config\'s test metrics.')
    parser.add_argument('--preds', nargs='+', required=True,
                        help='test dumps (tools/test.py --dump), one per '
                        'model')
    parser.add_argument('--val-preds', nargs='+',
                        help='the same models\' dumps of the validation '
                        'records, in the same order: the thresholds are '
                        'chosen on their fusion')
    parser.add_argument('--coefficients', nargs='+', type=float,
                        help='one weight per model (default: equal)')
    parser.add_argument('--threshold', type=float,
                        help='decision threshold for every ThresholdMetric '
                        '(instead of --val-preds)')
    return parser.parse_args(argv)


def load_dumps(paths: Sequence[str], option: str) -> List[List[Dict]]:
    """Read the pickles, naming the option of a missing file."""
    dumps = []
    for path in paths:
        if not osp.isfile(path):
            raise FileNotFoundError(
                f'{option} {path}: no such file; write it with `tools/test.py '
                'CONFIG CKPT --dump FILE`.')
        dumps.append(mmengine.load(path))
    return dumps


def main(argv: Optional[Sequence[str]] = None) -> Dict[str, float]:
    args = parse_args(argv)
    if args.val_preds and len(args.val_preds) != len(args.preds):
        raise ValueError(
            f'--val-preds lists {len(args.val_preds)} dumps and --preds '
            f'{len(args.preds)}: give one validation dump per model, in the '
            'same order.')
    if args.val_preds and args.threshold is not None:
        raise ValueError('Give --val-preds (thresholds chosen on the fused '
                         'validation dumps) or --threshold, not both.')
    cfg = load_config(args.config, args.cfg_options)
    fused = {'test': fuse_samples(load_dumps(args.preds, '--preds'),
                                  args.coefficients, args.preds)}
    if args.val_preds:
        fused['val'] = fuse_samples(
            load_dumps(args.val_preds, '--val-preds'), args.coefficients,
            args.val_preds)
    else:
        cfg.val_evaluator = None  # no validation thresholds to choose

    def samples_of(dataset) -> List[Dict]:
        files = [dataset.get_data_info(i)['filename']
                 for i in range(len(dataset))]
        for samples in fused.values():
            if [s.get('filename') for s in samples] == files:
                return samples
        raise ValueError(
            f'None of the fused dumps ({", ".join(fused)}) lists the '
            f'{len(files)} records of {dataset.ann_file} in order: dump each '
            'model with this config on that split.')

    metrics, samples = evaluate_val_test(
        cfg, samples_of, f'fusion of {len(args.preds)} models',
        threshold=args.threshold)
    report(metrics, samples, f'fusion of {len(args.preds)} models',
           args.dump, args.out)
    return metrics


if __name__ == '__main__':
    main()
