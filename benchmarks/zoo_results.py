# Copyright (c) nl1d contributors. All rights reserved.
"""The results file of each finished row (``benchmarks/results/ROW.json``):
its ``row.json`` (metrics with CIs, commands, machine, training time) and a
summary of its json training log, so that the tables render on a fresh
clone without the work directories and the learning curve stays readable
at a few kilobytes."""
import glob
import json
import math
import os
import os.path as osp
from typing import Dict, Iterable, List, Optional

#: At most this many points of the training loss are kept: the mean loss of
#: consecutive epochs, as many epochs a point as it takes.
MAX_POINTS = 100


def _round(value: float, digits: int = 4) -> float:
    """``value`` with ``digits`` significant digits (json stays short)."""
    if not isinstance(value, float) or not math.isfinite(value) or not value:
        return value
    return round(value, digits - 1 - int(math.floor(math.log10(abs(value)))))


def _mean(values: List[float]) -> float:
    return sum(values) / len(values)


def summarise_log(entries: Iterable[dict],
                  max_points: int = MAX_POINTS) -> dict:
    """The learning curve of mmengine's json log (``scalars.json``).

    Args:
        entries (Iterable[dict]): its lines; training lines carry ``epoch``
            and ``loss``, validation lines the metrics (``auc/auroc``...)
            with the epoch as ``step``. A resumed run's repeated epochs
            count once (the last validation of an epoch wins).
        max_points (int): the most points of the training loss kept.
            Defaults to :data:`MAX_POINTS`.

    Returns:
        dict: ``train``: ``epoch`` (the last epoch of each point) and
        ``loss`` (the mean of its epochs' mean losses); ``val``: ``epoch``
        and each validation metric. Values have 4 significant digits.
    """
    losses: Dict[int, List[float]] = {}
    val: Dict[int, dict] = {}
    for entry in entries:
        if 'loss' in entry and 'epoch' in entry:
            losses.setdefault(int(entry['epoch']), []).append(entry['loss'])
        elif any('/' in key for key in entry):
            val[int(entry['step'])] = {k: v for k, v in entry.items()
                                       if '/' in k}
    epochs = sorted(losses)
    width = max(1, math.ceil(len(epochs) / max_points))
    bins = [epochs[k:k + width] for k in range(0, len(epochs), width)]
    summary = dict(train=dict(
        epoch=[b[-1] for b in bins],
        loss=[_round(_mean([_mean(losses[e]) for e in b])) for b in bins]))
    if val:
        steps = sorted(val)
        keys = sorted({k for metrics in val.values() for k in metrics})
        summary['val'] = dict(epoch=steps, **{
            key: [_round(val[s].get(key, float('nan'))) for s in steps]
            for key in keys})
    return summary


def read_logs(work: str) -> List[dict]:
    """The lines of every json log of a row's work dir (every run of it,
    oldest first: an interrupted one resumed)."""
    entries = []
    for path in sorted(glob.glob(osp.join(work, '*', 'vis_data',
                                          'scalars.json'))):
        with open(path) as f:
            entries += [json.loads(line) for line in f if line.strip()]
    return entries


def dump(path: str, result: dict) -> None:
    """Write a results file: one top-level key a line, values compact."""
    lines = [f' {json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}'
             for k, v in result.items()]
    with open(path, 'w') as f:
        f.write('{\n' + ',\n'.join(lines) + '\n}\n')


def load_result(name: str, work_root: str,
                results: str) -> Optional[dict]:
    """A row's results: the ``row.json`` run under ``work_root``, else the
    kept ``results/ROW.json`` (``None`` when neither exists)."""
    for path in (osp.join(work_root, name, 'row.json'),
                 osp.join(results, f'{name}.json')):
        if osp.exists(path):
            with open(path) as f:  # labels come from the current ROWS
                return json.load(f)
    return None


def copy_results(work_root: str, dest: str, names: Iterable[str]) -> None:
    """The ``row.json`` of each finished row of ``names`` (not ``--quick``
    ones), with the summary of its training logs, as ``dest/ROW.json``."""
    os.makedirs(dest, exist_ok=True)
    for name in names:
        path = osp.join(work_root, name, 'row.json')
        if not osp.exists(path):
            continue  # running or interrupted: not shown
        with open(path) as f:
            result = json.load(f)
        if result.get('quick'):
            continue
        entries = read_logs(osp.join(work_root, name))
        if entries:
            result['log'] = summarise_log(entries)
        result['reproduce'] = f'python benchmarks/model_zoo.py run {name}'
        dump(osp.join(dest, f'{name}.json'), result)
