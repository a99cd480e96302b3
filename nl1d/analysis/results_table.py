# Copyright (c) nl1d contributors. All rights reserved.
"""Print a markdown table of test metrics, one row per run.

Each argument is ``NAME=METRICS.json``, where the json is what
``tools/analysis/eval_metric.py CONFIG result.json --out METRICS.json``
writes.

Its command line (``tools/analysis/results_table.py``)::

    python tools/analysis/results_table.py \\
        nl_r18_res5=work_dirs/nl/metrics.json r18=work_dirs/r18/metrics.json
"""
import json
import math
from typing import Dict, List, Tuple

COLUMNS: List[Tuple[str, str]] = [
    ('AUROC [95% CI]', 'auc/auroc'),
    ('AUPRC [95% CI]', 'auc/auprc'),
    ('prevalence', 'auc/prevalence'),
    ('sensitivity', 'thr_acc/sensitivity'),
    ('specificity', 'thr_acc/specificity'),
    ('accuracy', 'thr_acc/accuracy'),
]


def cell(metrics: Dict[str, float], key: str) -> str:
    """``0.912 [0.884, 0.937]`` when the CI is there, else ``0.912``."""
    value = metrics.get(key)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return '-'
    low, high = metrics.get(f'{key}_ci_low'), metrics.get(f'{key}_ci_high')
    if low is not None and high is not None:
        return f'{value:.3f} [{low:.3f}, {high:.3f}]'
    return f'{value:.3f}'


def table(runs: List[Tuple[str, Dict[str, float]]]) -> str:
    """The markdown table of ``(name, metrics)`` rows."""
    lines = ['| run | ' + ' | '.join(c for c, _ in COLUMNS) + ' |',
             '| --- ' * (len(COLUMNS) + 1) + '|']
    for name, metrics in runs:
        lines.append(f'| {name} | ' +
                     ' | '.join(cell(metrics, k) for _, k in COLUMNS) + ' |')
    return '\n'.join(lines)


def read_runs(specs: List[str]) -> List[Tuple[str, Dict[str, float]]]:
    """``NAME=METRICS.json`` arguments as ``(name, metrics)`` pairs.

    Args:
        specs (list[str]): ``NAME=METRICS.json`` each.

    Returns:
        list[tuple[str, dict]]: In the given order.

    Raises:
        ValueError: An argument without ``=`` or without a path.
    """
    runs = []
    for spec in specs:
        name, sep, path = spec.partition('=')
        if not sep or not path:
            raise ValueError(f'expected NAME=METRICS.json, got {spec!r}.')
        with open(path) as f:
            runs.append((name, json.load(f)))
    return runs
