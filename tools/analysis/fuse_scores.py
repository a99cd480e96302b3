# Copyright (c) nl1d contributors. All rights reserved.
"""Fuse several models' test dumps (weighted mean of their class scores, as
mmaction2's ``tools/analysis_tools/report_accuracy.py``, or of their
log-probabilities: ``--mean geometric``) and evaluate the fusion with a
config's test metrics.

The decision threshold of each ``ThresholdMetric`` is chosen, by the
config's validation rule, on the fused *validation* dumps (``--val-preds``:
each model's ``tools/test.py`` run on the validation records, or a
baseline's ``--val-dump``) and frozen for the test records, as for one
model; without ``--val-preds`` give ``--threshold``. With
``--choose-coefficients`` the weights are chosen on the validation dumps
too: every weight vector on a grid of 0.1 is scored by the config's
``save_best`` metric on the fused validation records, and the best one is
used on the test records.

When the config's metrics evaluate one class against the rest
(``positive_class``), each model's probability of that class is fused, so a
four-class network and a two-class baseline (``rr_baseline.py``) fuse.

The dumps are ``.json`` (plain data) or ``.pkl`` files, read with
:func:`nl1d.evaluation.result_io.load_results` (a pickle that needs more
than ``--dump`` writes is refused, unrun); ``--dump`` / ``--val-dump`` write
the fusion in the format of their suffix.

Example:
    python tools/test.py CONFIG A.pth --dump a/result.json
    python tools/test.py CONFIG A.pth --dump a/val_result.json \\
        --cfg-options test_dataloader.dataset.ann_file=val.txt
    (the same for B)
    python tools/analysis/fuse_scores.py CONFIG \\
        --preds a/result.json b/result.json \\
        --val-preds a/val_result.json b/val_result.json --out metrics.json
    python tools/analysis/rr_baseline.py AF_CONFIG --dump rr/result.json \\
        --val-dump rr/val_result.json
    python tools/analysis/fuse_scores.py CONFIG \\
        --preds a/result.json rr/result.json \\
        --val-preds a/val_result.json rr/val_result.json \\
        --mean geometric --choose-coefficients --out metrics.json
"""
import argparse
import logging
from typing import Dict, List, Optional, Sequence

from mmengine.logging import MMLogger, print_log
from mmengine.registry import init_default_scope

import nl1d  # noqa: F401  (stack repairs + registration, before mmaction)
from nl1d.evaluation.baseline_eval import (baseline_parser, build_evaluator,
                                           evaluate_val_test, report)
from nl1d.evaluation.score_fusion import (MEANS, choose_coefficients,
                                          fuse_samples, load_dumps,
                                          pop_positive_class)
from nl1d.utils import load_config


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


def selection_rule(cfg):
    """``(key, sign)`` of the config's ``save_best`` metric: the validation
    metric a checkpoint is chosen by, and +1 (greater is better) or -1."""
    checkpoint = (cfg.get('default_hooks') or {}).get('checkpoint') or {}
    key = checkpoint.get('save_best')
    if isinstance(key, (list, tuple)):
        key = key[0] if key else None
    if not key or key == 'auto':
        raise ValueError(
            f'--choose-coefficients ranks weights by the config\'s '
            f'default_hooks.checkpoint.save_best metric, and {cfg.filename} '
            f'names none ({key!r}); set it (e.g. --cfg-options '
            'default_hooks.checkpoint.save_best=auc/auroc) or give '
            '--coefficients.')
    rule = checkpoint.get('rule')
    if isinstance(rule, (list, tuple)):
        rule = rule[0] if rule else None
    rule = rule or ('less' if 'loss' in key else 'greater')
    return key, 1.0 if rule == 'greater' else -1.0


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
    if args.choose_coefficients and (not args.val_preds or args.coefficients):
        raise ValueError('--choose-coefficients chooses the weights on the '
                         'validation dumps: give --val-preds, and no '
                         '--coefficients.')
    cfg = load_config(args.config, args.cfg_options)
    MMLogger.get_instance('fuse_scores', log_level='INFO')
    fuse = dict(mean=args.mean, positive_class=pop_positive_class(cfg))
    val_dumps = load_dumps(args.val_preds, '--val-preds') \
        if args.val_preds else None
    chosen = {}
    coefficients = args.coefficients
    if args.choose_coefficients:
        init_default_scope(cfg.get('default_scope', 'mmaction'))
        key, sign = selection_rule(cfg)

        def score(samples: List[Dict]) -> float:
            evaluator = build_evaluator(cfg.val_evaluator)
            evaluator.process(samples)
            metrics = evaluator.evaluate(len(samples))
            if key not in metrics:
                raise ValueError(
                    f'save_best {key!r} is not a validation metric of '
                    f'{cfg.filename} ({sorted(metrics)}).')
            return sign * metrics[key]

        coefficients, best = choose_coefficients(
            val_dumps, score, names=args.val_preds, **fuse)
        if coefficients is None:  # e.g. one class only in validation
            coefficients = [1.0 / len(val_dumps)] * len(val_dumps)
            best = float('nan')
            print_log(f'--choose-coefficients: {key} is undefined on the '
                      f'{len(val_dumps[0])} validation records for every '
                      'weighting (one class only?); equal weights are used.',
                      logger='current', level=logging.WARNING)
        print_log(f'Weights chosen on the {len(val_dumps[0])} validation '
                  f'records by {key} ({sign * best:.4f}): '
                  + ', '.join(f'{w:.1f} {p}' for w, p in
                              zip(coefficients, args.preds)),
                  logger='current')
        chosen = {f'fusion/weight_{i}': w
                  for i, w in enumerate(coefficients)}
        chosen[f'fusion/val_{key}'] = sign * best
    fused = {'test': fuse_samples(load_dumps(args.preds, '--preds'),
                                  coefficients, args.preds, **fuse)}
    if val_dumps:
        fused['val'] = fuse_samples(val_dumps, coefficients, args.val_preds,
                                    **fuse)
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

    name = f'fusion of {len(args.preds)} models'
    metrics, samples = evaluate_val_test(cfg, samples_of, name,
                                         threshold=args.threshold,
                                         val_dump=args.val_dump)
    metrics.update(chosen)
    report(metrics, samples, name, args.dump, args.out)
    return metrics


if __name__ == '__main__':
    main()
