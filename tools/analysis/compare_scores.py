# Copyright (c) nl1d contributors. All rights reserved.
"""Is one model better than another on the same test records? A paired
bootstrap of the difference in AUROC and AUPRC.

Each model's own CI (``tools/test.py``) describes how its metric would move
on another test set; two models scored on the same records share most of
that movement, so their difference is judged on paired resamples: the same
records (or groups) drawn for every model in each replicate. The first
``--preds`` is the reference; every other model gets its difference from it
with a percentile CI and a two-sided bootstrap p-value.

When the config's metrics evaluate one class against the rest
(``positive_class``), each model's probability of that class is compared,
so a four-class network, a two-class baseline and their fusion compare.

The dumps (``tools/test.py --dump result.json``, or ``.pkl``) are read with
:func:`nl1d.evaluation.result_io.load_results`, which runs nothing from them.

Example:
    python tools/analysis/compare_scores.py CONFIG \\
        --preds r18/result.json nl_r18/result.json --names R18 "NL R18" \\
        --out comparison.json
"""
import argparse
import json
from typing import Dict, List, Optional, Sequence

import numpy as np

import nl1d  # noqa: F401  (stack repairs + registration, before mmaction)
from nl1d.evaluation.metrics import load_group_map, record_groups
from nl1d.evaluation.metrics.records import sample_to_record
from nl1d.evaluation.paired_comparison import METRICS, paired_auc_difference
from nl1d.evaluation.score_fusion import (aligned_records, load_dumps,
                                          pop_positive_class)
from nl1d.utils import load_config


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Paired bootstrap comparison of models\' AUROC and '
        'AUPRC on the same test records (tools/test.py --dump files)')
    parser.add_argument('config', help='config whose test metrics say the '
                        'task (a positive_class is compared against the '
                        'rest)')
    parser.add_argument('--preds', nargs='+', required=True,
                        help='dumps of the same records (.json or .pkl), '
                        'one per model; the first is the reference')
    parser.add_argument('--names', nargs='+',
                        help='one name per dump (default: the file names)')
    parser.add_argument('--n-bootstrap', type=int, default=2000,
                        help='paired bootstrap replicates (default: 2000)')
    parser.add_argument('--ci-level', type=float, default=0.95)
    parser.add_argument('--seed', type=int, default=0)
    group = parser.add_mutually_exclusive_group()
    group.add_argument('--group-key', help='metainfo key of the group '
                       '(e.g. patient) whose records are resampled together')
    group.add_argument('--group-file', help='`record_id group_id` file')
    parser.add_argument('--record-key', default='filename',
                        help='metainfo key of the record id looked up in '
                        '--group-file (default: filename)')
    parser.add_argument('--out', help='write the comparison to this json')
    return parser.parse_args(argv)


def _interval(value: float, ci) -> str:
    return f'{value:.3f} [{ci[0]:.3f}, {ci[1]:.3f}]'


def _delta(value: float, ci, p: float) -> str:
    return f'{value:+.3f} [{ci[0]:+.3f}, {ci[1]:+.3f}], p = {p:.3f}'


def format_table(result: Dict, names: List[str]) -> str:
    """A markdown table: each model's AUROC / AUPRC with CIs, and its paired
    difference from the first model."""
    head = ['model'] + [m.upper() for m in METRICS] + [
        f'Δ{m.upper()} vs {names[0]}' for m in METRICS]
    lines = ['| ' + ' | '.join(head) + ' |',
             '|' + '---|' * len(head)]
    for i, name in enumerate(names):
        cells = [name] + [
            _interval(result[f'{m}_{i}'], result[f'{m}_{i}_ci'])
            for m in METRICS
        ] + [
            '(reference)' if i == 0 else _delta(
                result[f'delta_{m}_{i}'], result[f'delta_{m}_{i}_ci'],
                result[f'p_{m}_{i}']) for m in METRICS
        ]
        lines.append('| ' + ' | '.join(cells) + ' |')
    return '\n'.join(lines)


def main(argv: Optional[Sequence[str]] = None) -> Dict:
    args = parse_args(argv)
    if len(args.preds) < 2:
        raise ValueError(f'--preds: compare at least two dumps, got '
                         f'{args.preds}.')
    names = args.names or args.preds
    if len(names) != len(args.preds):
        raise ValueError(f'--names lists {len(names)} names for '
                         f'{len(args.preds)} --preds; give one per dump.')
    cfg = load_config(args.config)
    dumps = load_dumps(args.preds, '--preds')
    rows = list(aligned_records(dumps, args.preds, pop_positive_class(cfg)))
    scores = np.stack([
        np.stack([record['score'] for record in records])
        for _, records in rows
    ], axis=1)  # (M, N, K)
    labels = np.array([records[0]['label'] for _, records in rows])
    groups = None
    if args.group_key or args.group_file:
        keep = [k for k in (args.group_key, args.record_key) if k]
        groups = record_groups(
            [sample_to_record(s, keep) for s in dumps[0]], args.group_key,
            load_group_map(args.group_file) if args.group_file else None,
            args.record_key)
    result = paired_auc_difference(scores, labels, groups, args.n_bootstrap,
                                   args.ci_level, args.seed)
    unit = 'groups' if groups is not None else 'records'
    task = (f'{int((labels == 1).sum())} positive' if scores.shape[2] <= 2
            else f'{scores.shape[2]} classes, macro one-vs-rest')
    print(f'{labels.shape[0]} records ({task}); {args.n_bootstrap} paired '
          f'bootstrap replicates of the {unit}, {args.ci_level:.0%} CIs:')
    print(format_table(result, list(names)))
    result.update(names=list(names), preds=list(args.preds),
                  num_records=int(labels.shape[0]),
                  n_bootstrap=args.n_bootstrap, ci_level=args.ci_level)
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(result, f, indent=2)
    return result


if __name__ == '__main__':
    main()
