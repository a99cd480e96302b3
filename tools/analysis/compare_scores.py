# Copyright (c) nl1d contributors. All rights reserved.
"""Is one model better than another on the same test records? A paired
bootstrap of the difference in AUROC and AUPRC: the command line of
:func:`nl1d.analysis.comparison.compare_dumps`.

Example:
    python tools/analysis/compare_scores.py CONFIG \\
        --preds r18/result.json nl_r18/result.json --names R18 "NL R18" \\
        --out comparison.json
"""
import argparse
from typing import Dict, Optional, Sequence

from nl1d.analysis.comparison import compare_dumps


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


def main(argv: Optional[Sequence[str]] = None) -> Dict:
    args = parse_args(argv)
    return compare_dumps(args.config, args.preds, args.names,
                         args.n_bootstrap, args.ci_level, args.seed,
                         args.group_key, args.group_file, args.record_key,
                         args.out)


if __name__ == '__main__':
    main()
