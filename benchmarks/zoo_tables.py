# Copyright (c) nl1d contributors. All rights reserved.
"""Markdown tables of the model zoo from the rows' results files."""
import math
import os.path as osp
import re
import statistics
from collections import Counter
from typing import Dict, List, Optional

#: Where each finished row's results file (metrics, command, machine, time
#: and a summary of its training log) is kept, relative to the repository.
RESULTS = osp.join('benchmarks', 'results')


def ci(metrics: Dict[str, float], key: str, scale: float = 1.0,
       digits: int = 3) -> str:
    """``0.912 [0.884, 0.937]`` (or without the interval when absent)."""
    value = metrics.get(key)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return '-'
    low, high = metrics.get(f'{key}_ci_low'), metrics.get(f'{key}_ci_high')
    text = f'{value * scale:.{digits}f}'
    if low is not None and high is not None:
        text += f' [{low * scale:.{digits}f}, {high * scale:.{digits}f}]'
    return text


def _cell(row: dict, key: str, scale: float = 1.0, digits: int = 3) -> str:
    """:func:`ci` of a row's metric, marked ``*`` when the row's recipe was
    chosen with the test split in view (its ``test_seen`` keys)."""
    text = ci(row['metrics'], key, scale, digits)
    return text + (' *' if text != '-' and key in row.get('test_seen', ())
                   else '')


def _md(*cells: str) -> str:
    """A markdown table line."""
    return '| ' + ' | '.join(cells) + ' |'


def _cost(row: dict) -> str:
    if 'baseline' in row:
        return '— (no network)'
    return f'{row["params"] / 1e6:.2f} M / {row["flops"] / 1e9:.3f} G'


#: Marks of the train times of rows run on other machines than most rows.
MARKS = ('†', '‡', '§', '¶')


def _minutes(row: dict) -> str:
    """Training wall time, marked when the row ran on another machine."""
    mark = row.get('machine_mark', '')
    seconds = row['train_seconds']
    time = f'{seconds:.0f} s' if seconds < 60 else f'{seconds / 60:.0f} min'
    return time + (f' {mark}' if mark else '')


def mark_machines(rows: List[dict]) -> str:
    """Set each row's ``machine_mark`` ('' on the machine most rows ran on,
    then the :data:`MARKS` in order) and return the machine line."""
    counts = Counter(row['machine'] for row in rows)
    machines = sorted(counts, key=lambda m: (-counts[m], m))
    marks = {m: '' if k == 0 else MARKS[k - 1] if k <= len(MARKS)
             else f'({k})' for k, m in enumerate(machines)}
    for row in rows:
        row['machine_mark'] = marks[row['machine']]
    if len(machines) == 1:
        return f'Machine: {machines[0]}.'
    return 'Machine: ' + '; '.join(
        f'{machines[0]} (unmarked train times)' if not marks[m] else
        f'{marks[m]} {m}' for m in machines) + '.'


class Links:
    """Markdown links of a page in the folder ``where`` (relative to the
    repository) to a row's config, results file and tool."""

    def __init__(self, where: str = 'benchmarks') -> None:
        self.where = where

    def path(self, path: str) -> str:
        return osp.relpath(path, self.where)

    def result(self, row: dict, label: str = 'result') -> str:
        path = self.path(osp.join(RESULTS, f'{row["name"]}.json'))
        return f'[{label}]({path})'

    def __call__(self, row: dict) -> str:
        config = f'[config]({self.path(row["config"])})'
        if 'baseline' in row:  # the config gives its splits and metrics
            return f'{config} · [tool]({self.path(row["baseline"])})'
        if row.get('not_run'):
            return config
        return f'{config} · {self.result(row)}'


def _not_run(row: dict) -> str:
    """The cell of a row that has no result yet, with its command."""
    return f'not run yet (`model_zoo.py run {row["name"]}`)'


def ucr_table(rows: List[dict], links: Links) -> str:
    """Test accuracy and AUROC per UCR set and model, beside the published
    ResNet and the best published deep model."""
    lines = [
        '| dataset | model | test accuracy % [95% CI] | published ResNet | '
        '− ResNet | best published | test AUROC [95% CI] | params / FLOPs '
        '(one series) | train time | |',
        '|---|---|---|---|---|---|---|---|---|---|'
    ]
    for row in rows:
        published = row['published']
        best = max(published.items(), key=lambda kv: kv[1])
        resnet = f'{published["ResNet"]:.1f}'
        best = f'{best[1]:.1f} ({best[0]})'
        if row.get('not_run'):
            lines.append(_md(row['dataset'], row['model'], _not_run(row),
                             resnet, '', best, '', '', '', links(row)))
            continue
        gap = 100 * row['metrics']['thr_acc/accuracy'] - published['ResNet']
        lines.append(_md(
            row['dataset'], row['model'],
            _cell(row, 'thr_acc/accuracy', 100, 1), resnet, f'{gap:+.1f}',
            best, _cell(row, 'auc/auroc'), _cost(row), _minutes(row),
            links(row)))
    return '\n'.join(lines)


def _seed_cells(runs: List[dict]) -> tuple:
    """The accuracy cell of each seed and their mean ± sd (``-`` unless
    every seed has run)."""
    cells, values = [], []
    for run in runs:
        if run.get('not_run'):
            cells.append(_not_run(run))
            continue
        values.append(100 * run['metrics']['thr_acc/accuracy'])
        cells.append(f'{values[-1]:.1f}')
    if len(values) == len(runs) and len(values) > 1:
        mean, sd = statistics.mean(values), statistics.stdev(values)
        return cells, f'{mean:.1f} ± {sd:.1f}', mean
    return cells, '-', None


def ucr_seed_table(rows: List[dict], finals: List[dict],
                   links: Links) -> str:
    """UCR rows trained with three seeds: each seed's test accuracy, their
    mean and sample standard deviation, against the published ResNet (a
    mean over runs too).

    Args:
        rows (list[dict]): the ``ucr-seed`` rows (seeds 1, 2, ...); each
            names its seed-0 row as ``base``.
        finals (list[dict]): the rows a seed row can name as ``base``
            (seed 0): the ``ucr`` and ``ucr-wslice`` rows.
        links (Links): the links of the page.
    """
    lines = ['| dataset | model | test accuracy %, seed 0 / 1 / 2 | '
             'mean ± sd | published ResNet | mean − ResNet | |',
             '|---|---|---|---|---|---|---|']
    bases: Dict[str, List[dict]] = {}
    for row in rows:
        bases.setdefault(row['base'], []).append(row)
    for base, seeds in bases.items():
        final = next((f for f in finals if f['name'] == base), None)
        runs = ([final] if final is not None else []) + sorted(
            seeds, key=lambda r: r['random_seed'])
        cells, summary, mean = _seed_cells(runs)
        resnet = seeds[0]['published']['ResNet']
        gap = '-' if mean is None else f'{mean - resnet:+.1f}'
        results = ' · '.join(
            links.result(r, f'seed {r.get("random_seed", 0)}')
            for r in runs if not r.get('not_run'))
        config = f'[config]({links.path(seeds[0]["config"])})'
        lines.append(_md(seeds[0]['dataset'], seeds[0]['model'],
                         ' / '.join(cells), summary, f'{resnet:.1f}', gap,
                         config + (f' · {results}' if results else '')))
    return '\n'.join(lines)


def _recipe(row: dict) -> str:
    """A row's recipe and, for a fusion compared with its first member on
    the same test records (``paired``), the paired AUROC difference."""
    recipe = row.get('recipe', '')
    paired = row.get('paired')
    if not paired or row.get('not_run'):
        return recipe
    low, high = paired['delta_auroc_ci']
    return (f'{recipe}; paired with its network alone: ΔAUROC '
            f'{paired["delta_auroc"]:+.3f} [{low:+.3f}, {high:+.3f}], '
            f'p = {paired["p_auroc"]:.2f}')


def binary_table(rows: List[dict], links: Links,
                 point: str = 'the validation threshold') -> str:
    """AUROC/AUPRC/sensitivity/specificity per model (and per recipe when
    the rows name theirs) at the operating point ``point``."""
    recipes = any('recipe' in row for row in rows)
    lines = [
        '| model | ' + ('recipe | ' if recipes else '') + 'test AUROC [95% '
        'CI] | test AUPRC [95% CI] (prevalence) | sensitivity / specificity '
        f'at {point} | accuracy | params / FLOPs (one '
        'window) | train time | |', '|---' * (8 + recipes) + '|'
    ]
    for row in rows:
        first = [row['model']] + ([_recipe(row)] if recipes else [])
        if row.get('not_run'):
            lines.append(_md(*first, _not_run(row), '', '', '', '', '',
                             links(row)))
            continue
        prevalence = row['metrics'].get('auc/prevalence', float('nan'))
        lines.append(_md(
            *first, _cell(row, 'auc/auroc'),
            f'{_cell(row, "auc/auprc")} ({prevalence:.3f})',
            f'{_cell(row, "thr_acc/sensitivity")} / '
            f'{_cell(row, "thr_acc/specificity")}',
            _cell(row, 'thr_acc/accuracy'), _cost(row), _minutes(row),
            links(row)))
    return '\n'.join(lines)


def depth_position_table(rows: List[dict]) -> str:
    """Depth x non-local position: AUROC [CI] / AUPRC per cell."""
    positions = ('none', 'res2', 'res3', 'res4', 'res5')
    cells = {(r['depth'], r['position']): r for r in rows}
    lines = ['| depth | ' + ' | '.join(
        'no non-local' if p == 'none' else f'NL at {p}'
        for p in positions) + ' |', '|---' * (len(positions) + 1) + '|']
    for depth in (18, 34, 50):
        out = []
        for position in positions:
            row = cells.get((depth, position))
            if row is None:
                out.append('not run')
                continue
            m = row['metrics']
            out.append(f'{ci(m, "auc/auroc")}<br>AUPRC '
                       f'{ci(m, "auc/auprc")}')
        lines.append(f'| R{depth} | ' + ' | '.join(out) + ' |')
    return '\n'.join(lines)


def _is_base(final: dict, ablation: dict) -> bool:
    """Whether ``final`` is the row ``ablation`` changes one thing of."""
    if 'base' in ablation:
        return final['name'] == ablation['base']
    return (final['dataset'], final['model']) == (ablation['dataset'],
                                                  ablation['model'])


def ablation_table(rows: List[dict], finals: List[dict],
                   links: Links) -> str:
    """One line per ablation, beside the final recipe's row: the row it
    names as ``base``, else the one on the same dataset and model."""
    lines = ['| dataset | model | recipe | test metric [95% CI] | train time '
             '| |', '|---|---|---|---|---|---|']
    shown = set()
    for row in rows:
        final = next((f for f in finals if _is_base(f, row)), None)
        scale, digits = (100, 1) if row['metric'].endswith('accuracy') \
            else (1, 3)
        name = row['metric'].split('/')[1]
        if final is not None and final['name'] not in shown:
            shown.add(final['name'])
            base = final.get('recipe', 'the recipe')
            lines.append(
                f'| {row["dataset"]} | {final["model"]} | **{base}** (base) | '
                f'{name} {ci(final["metrics"], row["metric"], scale, digits)}'
                f' | {_minutes(final)} | {links(final)} |')
        lines.append(
            f'| {row["dataset"]} | {row["model"]} | {row["what"]} | {name} '
            f'{ci(row["metrics"], row["metric"], scale, digits)} | '
            f'{_minutes(row)} | {links(row)} |')
    return '\n'.join(lines)


def _groups(rows: List[dict]) -> Dict[str, List[dict]]:
    """The finished rows by group, and the rows not run yet in the tables
    that list every row (not the ablations and depth x position grid)."""
    order = {r['name']: k for k, r in enumerate(rows)}
    groups: Dict[str, List[dict]] = {}
    for row in rows:
        if row.get('not_run') and row['group'] in ('ablation',
                                                   'depth-position'):
            continue
        groups.setdefault(row['group'], []).append(row)
    for group in groups.values():
        group.sort(key=lambda r: order[r['name']])
    return groups


def _cinc2017_table(groups: Dict[str, List[dict]], links: Links) -> str:
    """The CinC rows with, after the four-rhythm recipe's rows and before
    the 30-s rows (``cinc2017-af-*``), the depth x position grid's R18
    cells without a block and with one at res5 (the AF-vs-rest 20-s
    recipe)."""
    binary = sorted((r for r in groups.get('depth-position', [])
                     if r['depth'] == 18 and r['position'] in ('none', 'res5')
                     and not r.get('not_run')),
                    key=lambda r: r['position'] == 'none')
    cinc = groups.get('cinc2017', [])
    split = next((k for k, r in enumerate(cinc)
                  if r['name'].startswith('cinc2017-af-')), len(cinc))
    return binary_table(cinc[:split] + binary + cinc[split:], links)


def render_tables(rows: List[dict],
                  where: str = 'benchmarks') -> Dict[str, str]:
    """``{block: markdown}`` for every group with rows, and the machine
    line.

    Args:
        rows (list[dict]): results files' contents, and (shown as "not run
            yet" with their command) row definitions marked
            ``not_run=True``, in the order of the tables.
        where (str): the folder of the page the tables go to (relative to
            the repository), for the links. Defaults to 'benchmarks'.
    """
    rows = [r for r in rows if not r.get('quick')]
    links = Links(where)
    finished = [r for r in rows if not r.get('not_run')]
    machine = mark_machines(finished) if finished else None
    groups = _groups(rows)
    tables = {}
    for group in ('ucr', 'ucr-wslice'):  # the UCR recipe, without/with slices
        if group in groups:
            tables[group] = ucr_table(groups[group], links)
    if 'ucr-seed' in groups:
        tables['ucr-seed'] = ucr_seed_table(
            groups['ucr-seed'],
            groups.get('ucr', []) + groups.get('ucr-wslice', []), links)
    if 'cinc2017' in groups or 'depth-position' in groups:
        tables['cinc2017'] = _cinc2017_table(groups, links)
    if 'depth-position' in groups:
        tables['depth-position'] = depth_position_table(
            groups['depth-position'])
    if 'apnea' in groups:
        tables['apnea'] = binary_table(groups['apnea'], links,
                                       'the arg-max (threshold 0.5)')
    if 'ablation' in groups:
        finals = [r for r in finished if r['group'] != 'ablation']
        tables['ablation'] = ablation_table(groups['ablation'], finals, links)
    if machine:
        tables['machine'] = machine
    return tables


def update_readme(path: str, tables: Dict[str, str],
                  out: Optional[str] = None) -> None:
    """Replace ``<!-- zoo:NAME -->...<!-- /zoo:NAME -->`` blocks of
    ``path`` with ``tables[NAME]``; blocks without a table stay. The result
    is written to ``out`` (default: ``path`` itself)."""
    with open(path) as f:
        text = f.read()
    for name, table in tables.items():
        # the block may be empty (two adjacent marker lines)
        pattern = re.compile(
            rf'(<!-- zoo:{name} -->\n)(?:.*?\n)?(<!-- /zoo:{name} -->)', re.S)
        text = pattern.sub(lambda m: m.group(1) + table + '\n' + m.group(2),
                           text)
    with open(out or path, 'w') as f:
        f.write(text)
