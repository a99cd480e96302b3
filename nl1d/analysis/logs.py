# Copyright (c) nl1d contributors. All rights reserved.
"""Plot loss, learning rate and metric curves from mmengine's json logs, and
compute the mean training time per iteration; the interface of mmaction2's
``tools/analysis_tools/analyze_logs.py``, plus ``summarize``: the mean of a
key over consecutive stretches of training (e.g. validation accuracy per
hundred epochs), the numbers a curve is read for.

The json logs are ``WORK_DIR/TIMESTAMP/vis_data/TIMESTAMP.json`` (or
``scalars.json`` beside it), written by ``LocalVisBackend``: one dict per
line, training lines with ``epoch``/``iter``/``step``, validation lines with
the metrics and ``step`` (the epoch, or the iteration for iteration-based
training).

Its command line (``tools/analysis/analyze_logs.py``)::

    python tools/analysis/analyze_logs.py plot_curve LOG.json \
        --keys loss lr auc/auroc --out curves.png
    python tools/analysis/analyze_logs.py cal_train_time LOG.json
    python tools/analysis/analyze_logs.py summarize LOG.json \
        --keys thr_acc/accuracy --every 100
"""
import json
from collections import defaultdict
from typing import Dict, List, Optional

import matplotlib.pyplot as plt
import numpy as np


def load_json_log(path: str) -> Dict[str, List[Dict]]:
    """Split an mmengine json log into training and validation entries.

    Args:
        path (str): The json log.

    Returns:
        dict: ``train`` (entries with ``iter``), ``val`` (entries with
        ``step`` but no ``iter``); test entries (neither) are left out.
    """
    logs = dict(train=[], val=[])
    with open(path) as f:
        for line_no, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            try:
                entry = json.loads(line)
            except json.JSONDecodeError as e:
                raise ValueError(f'{path}, line {line_no}: not json ({e}); '
                                 'give the json log of vis_data/, not the '
                                 'text .log file.') from e
            if 'iter' in entry:
                logs['train'].append(entry)
            elif 'step' in entry:
                logs['val'].append(entry)
    return logs


def _series(logs: Dict[str, List[Dict]], key: str):
    """x, y and the x label of one key, from training or validation."""
    for mode in ('train', 'val'):
        entries = [e for e in logs[mode] if key in e]
        if entries:
            x_key = 'iter' if mode == 'train' else 'step'
            by_epoch = mode == 'val' and any('epoch' in e
                                             for e in logs['train'])
            xlabel = 'iter' if mode == 'train' else (
                'epoch' if by_epoch else 'iter')
            return (np.array([e[x_key] for e in entries]),
                    np.array([e[key] for e in entries],
                             dtype=float), xlabel)
    return None


def _available_keys(logs: List[Dict[str, List[Dict]]]) -> List[str]:
    """Every key logged in any of ``logs`` (for a missing key's error)."""
    return sorted({k for log in logs for mode in log.values() for e in mode
                   for k in e})


def plot_curve(json_logs: List[str],
               keys: List[str],
               out: Optional[str] = None,
               title: Optional[str] = None,
               legend: Optional[List[str]] = None) -> None:
    """Plot every key of every log, one panel per key.

    Args:
        json_logs (list[str]): Json logs.
        keys (list[str]): Keys to plot, e.g. ``loss``, ``lr``,
            ``auc/auroc``.
        out (str, optional): Output image; shown when None. Defaults to
            None.
        title (str, optional): Figure title. Defaults to None.
        legend (list[str], optional): One name per log. Defaults to the
            file names.
    """
    if legend is None:
        legend = json_logs
    if len(legend) != len(json_logs):
        raise ValueError(f'--legend has {len(legend)} names for '
                         f'{len(json_logs)} logs.')
    logs = [load_json_log(path) for path in json_logs]
    fig, axes = plt.subplots(
        len(keys), 1, figsize=(8, 3 * len(keys)), squeeze=False)
    for ax, key in zip(axes[:, 0], keys):
        plotted = False
        for log, name in zip(logs, legend):
            series = _series(log, key)
            if series is None:
                continue
            x, y, xlabel = series
            ax.plot(x, y, marker='o' if len(x) < 30 else None, ms=3,
                    label=name)
            ax.set_xlabel(xlabel)
            plotted = True
        if not plotted:
            raise KeyError(f'No log holds `{key}`; available keys: '
                           f'{_available_keys(logs)}.')
        ax.set_ylabel(key)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    if out is None:
        plt.show()
    else:
        print(f'save curve to: {out}')
        fig.savefig(out, dpi=120)
    plt.close(fig)


def cal_train_time(json_logs: List[str],
                   include_outliers: bool = False) -> Dict[str, Dict]:
    """Mean time per training iteration, overall and per epoch.

    Args:
        json_logs (list[str]): Json logs.
        include_outliers (bool): Keep the first iteration of each epoch
            (data loader start-up). Defaults to False.

    Returns:
        dict: Per log, ``avg_iter_time``, ``slowest_epoch``,
        ``fastest_epoch`` and ``std_over_epochs``.
    """
    stats = {}
    for path in json_logs:
        train = load_json_log(path)['train']
        per_epoch = defaultdict(list)
        for entry in train:
            if 'time' in entry:
                per_epoch[entry.get('epoch', 1)].append(entry['time'])
        if not per_epoch:
            raise ValueError(f'{path} has no training iteration with `time`.')
        if not include_outliers:
            per_epoch = {
                e: times[1:] if len(times) > 1 else times
                for e, times in per_epoch.items()
            }
        means = {e: float(np.mean(t)) for e, t in per_epoch.items()}
        epochs = sorted(means)
        stats[path] = dict(
            avg_iter_time=float(np.mean(
                np.concatenate([per_epoch[e] for e in epochs]))),
            slowest_epoch=(max(epochs, key=means.get),
                           max(means.values())),
            fastest_epoch=(min(epochs, key=means.get),
                           min(means.values())),
            std_over_epochs=float(np.std(list(means.values()))))
        s = stats[path]
        print(f'{"-" * 5}Analyze train time of {path}{"-" * 5}')
        print(f'slowest epoch {s["slowest_epoch"][0]}, average time is '
              f'{s["slowest_epoch"][1]:.4f}')
        print(f'fastest epoch {s["fastest_epoch"][0]}, average time is '
              f'{s["fastest_epoch"][1]:.4f}')
        print(f'time std over epochs is {s["std_over_epochs"]:.4f}')
        print(f'average iter time: {s["avg_iter_time"]:.4f} s/iter')
    return stats


def summarize(json_logs: List[str], keys: List[str],
              every: int) -> Dict[str, Dict[str, List[tuple]]]:
    """Mean of each key over consecutive stretches of ``every`` steps.

    Steps are those the key is logged at: epochs for a validation metric
    of epoch-based training, iterations for a training key. The stretches
    are (0, every], (every, 2 * every], ...; the last value is printed too.

    Args:
        json_logs (list[str]): Json logs.
        keys (list[str]): Keys to summarise, e.g. ``thr_acc/accuracy``.
        every (int): Stretch length in steps.

    Returns:
        dict: Per log and key, ``(first, last, mean, count)`` per stretch
        (first and last step of the stretch as logged).
    """
    if every < 1:
        raise ValueError(f'--every must be >= 1, got {every}.')
    summary = {}
    for path in json_logs:
        log = load_json_log(path)
        summary[path] = {}
        for key in keys:
            series = _series(log, key)
            if series is None:
                raise KeyError(f'{path} holds no `{key}`; available keys: '
                               f'{_available_keys([log])}.')
            x, y, xlabel = series
            bins = (x - 1) // every  # (0, every] is stretch 0
            rows = []
            for b in np.unique(bins):
                inside = bins == b
                rows.append((int(x[inside][0]), int(x[inside][-1]),
                             float(y[inside].mean()), int(inside.sum())))
            summary[path][key] = rows
            print(f'{path}: {key} by {xlabel}')
            for first, last, mean, count in rows:
                print(f'  {xlabel}s {first:>5}-{last:<5} mean {mean:.4f} '
                      f'({count} values)')
            print(f'  last ({xlabel} {int(x[-1])}): {y[-1]:.4f}')
    return summary
