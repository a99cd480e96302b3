# Copyright (c) nl1d contributors. All rights reserved.
"""Markdown tables of the model zoo from the rows' ``row.json`` files."""
import math
from collections import Counter
import re
import statistics
from typing import Dict, List, Optional

LOG_DIR = 'logs'  # relative to configs/nl1d/, where the json logs live


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


def _links(row: dict) -> str:
    config = row['config'].replace('configs/nl1d/', '')
    if 'baseline' in row:  # the config gives its splits and metrics
        return f'[config]({config}) · [tool](../../{row["baseline"]})'
    if row.get('not_run') or 'members' in row:  # a fusion has no log
        return f'[config]({config})'
    return f'[config]({config}) · [log]({LOG_DIR}/{row["name"]}.json)'


def _not_run(row: dict) -> str:
    """The cell of a row that has no result yet, with its command."""
    return f'not run yet (`model_zoo.py run {row["name"]}`)'


def ucr_table(rows: List[dict]) -> str:
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
                             resnet, '', best, '', '', '', _links(row)))
            continue
        m = row['metrics']
        gap = 100 * m['thr_acc/accuracy'] - published['ResNet']
        lines.append(_md(
            row['dataset'], row['model'], ci(m, 'thr_acc/accuracy', 100, 1),
            resnet, f'{gap:+.1f}', best, ci(m, 'auc/auroc'), _cost(row),
            _minutes(row), _links(row)))
    return '\n'.join(lines)


def ucr_seed_table(rows: List[dict], finals: List[dict]) -> str:
    """UCR rows trained with three seeds: each seed's test accuracy, their
    mean and sample standard deviation, against the published ResNet (a
    mean over runs too).

    Args:
        rows (list[dict]): the ``ucr-seed`` rows (seeds 1, 2, ...); each
            names its seed-0 row as ``base``.
        finals (list[dict]): the rows a seed row can name as ``base``
            (seed 0): the ``ucr`` and ``ucr-wslice`` rows and the ablations.
    """
    lines = ['| dataset | model | test accuracy %, seed 0 / 1 / 2 | mean ± sd '
             '| published ResNet | mean − ResNet | |',
             '|---|---|---|---|---|---|---|']
    bases: Dict[str, List[dict]] = {}
    for row in rows:
        bases.setdefault(row['base'], []).append(row)
    for base, seeds in bases.items():
        final = next((f for f in finals if f['name'] == base), None)
        runs = ([final] if final is not None else []) + sorted(
            seeds, key=lambda r: r['random_seed'])
        cells, values = [], []
        for run in runs:
            if run.get('not_run'):
                cells.append(_not_run(run))
                continue
            values.append(100 * run['metrics']['thr_acc/accuracy'])
            cells.append(f'{values[-1]:.1f}')
        resnet = seeds[0]['published']['ResNet']
        if len(values) == len(runs) and len(values) > 1:
            mean, sd = statistics.mean(values), statistics.stdev(values)
            summary, gap = f'{mean:.1f} ± {sd:.1f}', f'{mean - resnet:+.1f}'
        else:
            summary = gap = '-'
        links = ' · '.join(
            f'[log {r.get("random_seed", 0)}]({LOG_DIR}/{r["name"]}.json)'
            for r in runs if not r.get('not_run'))
        config = seeds[0]['config'].replace('configs/nl1d/', '')
        lines.append(_md(seeds[0]['dataset'], seeds[0]['model'],
                         ' / '.join(cells), summary, f'{resnet:.1f}', gap,
                         f'[config]({config})' + (f' · {links}' if links
                                                  else '')))
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


def binary_table(rows: List[dict],
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
                             _links(row)))
            continue
        m = row['metrics']
        prevalence = m.get('auc/prevalence', float('nan'))
        lines.append(_md(
            *first, ci(m, 'auc/auroc'),
            f'{ci(m, "auc/auprc")} ({prevalence:.3f})',
            f'{ci(m, "thr_acc/sensitivity")} / '
            f'{ci(m, "thr_acc/specificity")}', ci(m, 'thr_acc/accuracy'),
            _cost(row), _minutes(row), _links(row)))
    return '\n'.join(lines)


def seed_table(rows: List[dict]) -> str:
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


def ablation_table(rows: List[dict], finals: List[dict]) -> str:
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
            base = final.get('recipe', 'the signal recipe')
            lines.append(
                f'| {row["dataset"]} | {final["model"]} | **{base}** (base) | '
                f'{name} {ci(final["metrics"], row["metric"], scale, digits)}'
                f' | {_minutes(final)} | {_links(final)} |')
        lines.append(
            f'| {row["dataset"]} | {row["model"]} | {row["what"]} | {name} '
            f'{ci(row["metrics"], row["metric"], scale, digits)} | '
            f'{_minutes(row)} | {_links(row)} |')
    return '\n'.join(lines)


def render_tables(rows: List[dict]) -> Dict[str, str]:
    """``{group: markdown}`` for every group with finished rows.

    Args:
        rows (list[dict]): ``row.json`` contents, and (shown as "not run
            yet" with their command) row definitions marked
            ``not_run=True``, in the order of the tables.
    """
    rows = [r for r in rows if not r.get('quick')]
    order = {r['name']: k for k, r in enumerate(rows)}
    pending = [r for r in rows if r.get('not_run')]
    rows = [r for r in rows if not r.get('not_run')]
    machine = mark_machines(rows) if rows else None
    groups: Dict[str, List[dict]] = {}
    for row in rows:
        groups.setdefault(row['group'], []).append(row)
    for row in pending:  # tables list every row; ablations only results
        if row['group'] == 'ablation':
            continue
        group = groups.setdefault(row['group'], [])
        if row['group'] != 'seed':  # the seed grid says "not run" itself
            group.append(row)
    for group in groups.values():
        group.sort(key=lambda r: order[r['name']])
    tables = {}
    for group in ('ucr', 'ucr-wslice'):  # the UCR recipe, without/with slices
        if group in groups:
            tables[group] = ucr_table(groups[group])
    if 'ucr-seed' in groups:
        tables['ucr-seed'] = ucr_seed_table(
            groups['ucr-seed'], groups.get('ucr', []) + groups.get(
                'ucr-wslice', []) + groups.get('ablation', []))
    if 'cinc2017' in groups:
        # The seed table's R18 cells without a block and with one at res5
        # are the AF-vs-rest 20-s rows: after the four-rhythm recipe's rows,
        # before the 30-s rows (cinc2017-af-*).
        binary = sorted((r for r in groups.get('seed', []) if r['depth'] == 18
                         and r['position'] in ('none', 'res5')),
                        key=lambda r: r['position'] == 'none')
        cinc = groups['cinc2017']
        split = next((k for k, r in enumerate(cinc)
                      if r['name'].startswith('cinc2017-af-')), len(cinc))
        tables['cinc2017'] = binary_table(cinc[:split] + binary + cinc[split:])
    if 'seed' in groups:
        tables['seed'] = seed_table(groups['seed'])
    if 'apnea' in groups:
        tables['apnea'] = binary_table(groups['apnea'],
                                       'the arg-max (threshold 0.5)')
    if 'ablation' in groups:
        finals = [r for r in rows if r['group'] != 'ablation']
        tables['ablation'] = ablation_table(groups['ablation'], finals)
    if machine:
        tables['machine'] = machine
    return tables


def update_readme(path: str, tables: Dict[str, str],
                  text: Optional[str] = None) -> None:
    """Replace ``<!-- zoo:NAME -->...<!-- /zoo:NAME -->`` blocks of
    ``path`` with ``tables[NAME]``; blocks without a table stay."""
    with open(path) as f:
        text = f.read()
    for name, table in tables.items():
        # the block may be empty (two adjacent marker lines)
        pattern = re.compile(
            rf'(<!-- zoo:{name} -->\n)(?:.*?\n)?(<!-- /zoo:{name} -->)', re.S)
        text = pattern.sub(lambda m: m.group(1) + table + '\n' + m.group(2),
                           text)
    with open(path, 'w') as f:
        f.write(text)
