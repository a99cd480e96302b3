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
:func:`nl1d.evaluation.results.load_results`, which runs nothing from them.

Its command line (``tools/analysis/compare_scores.py``)::

    python tools/analysis/compare_scores.py CONFIG \\
        --preds r18/result.json nl_r18/result.json --names R18 "NL R18" \\
        --out comparison.json
"""
import json
from typing import Dict, List, Optional, Sequence

import numpy as np

from nl1d.evaluation.metrics import load_group_map, record_groups
from nl1d.evaluation.metrics.records import sample_to_record
from nl1d.evaluation.paired_comparison import METRICS, paired_auc_difference
from nl1d.evaluation.score_fusion import (aligned_records, load_dumps,
                                          pop_positive_class)
from nl1d.runtime.cli import load_config


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


def compare_dumps(config: str,
                  preds: Sequence[str],
                  names: Optional[Sequence[str]] = None,
                  n_bootstrap: int = 2000,
                  ci_level: float = 0.95,
                  seed: int = 0,
                  group_key: Optional[str] = None,
                  group_file: Optional[str] = None,
                  record_key: str = 'filename',
                  out: Optional[str] = None) -> Dict:
    """Paired bootstrap of the AUROC / AUPRC differences of the dumps
    ``preds`` of the same records from the first one
    (``tools/analysis/compare_scores.py``); prints a table.

    Args:
        config (str): Config whose test metrics say the task (a
            ``positive_class`` is compared against the rest).
        preds (Sequence[str]): Dumps of the same records, one per model;
            the first is the reference.
        names (Sequence[str], optional): One name per dump. Defaults to the
            file names.
        n_bootstrap (int): Paired bootstrap replicates. Defaults to 2000.
        ci_level (float): Confidence level. Defaults to 0.95.
        seed (int): Bootstrap seed. Defaults to 0.
        group_key (str, optional): Metainfo key of the group whose records
            are resampled together.
        group_file (str, optional): ``record_id group_id`` file.
        record_key (str): Metainfo key of the record id looked up in
            ``group_file``. Defaults to ``'filename'``.
        out (str, optional): Write the comparison to this json.

    Returns:
        dict: The values, CIs and p-values
        (:func:`~nl1d.evaluation.paired_comparison.paired_auc_difference`),
        with ``names``, ``preds``, ``num_records``, ``n_bootstrap`` and
        ``ci_level``.
    """
    if len(preds) < 2:
        raise ValueError(f'--preds: compare at least two dumps, got '
                         f'{preds}.')
    names = names or preds
    if len(names) != len(preds):
        raise ValueError(f'--names lists {len(names)} names for '
                         f'{len(preds)} --preds; give one per dump.')
    cfg = load_config(config)
    dumps = load_dumps(preds, '--preds')
    rows = list(aligned_records(dumps, preds, pop_positive_class(cfg)))
    scores = np.stack([
        np.stack([record['score'] for record in records])
        for _, records in rows
    ], axis=1)  # (M, N, K)
    labels = np.array([records[0]['label'] for _, records in rows])
    groups = None
    if group_key or group_file:
        keep = [k for k in (group_key, record_key) if k]
        groups = record_groups(
            [sample_to_record(s, keep) for s in dumps[0]], group_key,
            load_group_map(group_file) if group_file else None, record_key)
    result = paired_auc_difference(scores, labels, groups, n_bootstrap,
                                   ci_level, seed)
    unit = 'groups' if groups is not None else 'records'
    task = (f'{int((labels == 1).sum())} positive' if scores.shape[2] <= 2
            else f'{scores.shape[2]} classes, macro one-vs-rest')
    print(f'{labels.shape[0]} records ({task}); {n_bootstrap} paired '
          f'bootstrap replicates of the {unit}, {ci_level:.0%} CIs:')
    print(format_table(result, list(names)))
    result.update(names=list(names), preds=list(preds),
                  num_records=int(labels.shape[0]),
                  n_bootstrap=n_bootstrap, ci_level=ci_level)
    if out:
        with open(out, 'w') as f:
            json.dump(result, f, indent=2)
    return result
