# Copyright (c) nl1d contributors. All rights reserved.
"""Draw ROC and precision-recall curves, with bootstrap confidence bands and
the operating point, from the predictions dumped by ``tools/test.py --dump``.

Class names in the legends and titles come from ``--classes`` (names, or
a ``classes.txt``), else the checkpoint's ``dataset_meta``, else the dump
itself (``pred_class`` / ``gt_class``, written by nl1d's ``DumpResults``),
else the class indices.

The dump (``tools/test.py --dump result.json``, or a ``.pkl``) is read with
:func:`nl1d.evaluation.results.load_results`, which runs nothing from it.

Its command line (``tools/analysis/plot_curves.py``)::

    python tools/analysis/plot_curves.py result.json --out curves/ \\
        --checkpoint best_auc_auroc_epoch_10.pth --n-bootstrap 1000
"""
import os
import os.path as osp
from typing import Dict, List, Optional, Sequence, Tuple

import matplotlib.pyplot as plt
import numpy as np
from sklearn.metrics import precision_recall_curve, roc_curve

from nl1d.checkpoint import load_checkpoint_file
from nl1d.datasets.class_names import load_classes
from nl1d.evaluation.metrics import (binary_auc, bootstrap_ci,
                                     load_group_map, record_groups,
                                     select_threshold, stored_thresholds)
from nl1d.evaluation.metrics.records import (positive_scores,
                                             sample_to_record, stack_records)
from nl1d.evaluation.results import load_results

#: Points of the common FPR / recall grid the bootstrap curves share.
GRID = np.linspace(0, 1, 101)


def dumped_class_names(results: Sequence[Dict]) -> Optional[List[str]]:
    """Class names recorded in a dump (``pred_class`` / ``gt_class`` beside
    ``pred_label`` / ``gt_label``, as nl1d's ``DumpResults`` writes them).

    Args:
        results (Sequence[dict]): The dumped records.

    Returns:
        list[str] | None: A name per class index (the index itself for a
        class no record names), or None when no record holds a name.
    """
    found: Dict[int, str] = {}
    num_classes = 0
    for record in results:
        if 'pred_score' in record:
            num_classes = max(num_classes,
                              int(np.asarray(record['pred_score']).size), 2)
        for label_key, name_key in (('pred_label', 'pred_class'),
                                    ('gt_label', 'gt_class')):
            if name_key in record and label_key in record:
                index = int(np.asarray(record[label_key]).reshape(-1)[0])
                found.setdefault(index, str(record[name_key]))
    if not found:
        return None
    num_classes = max(num_classes, max(found) + 1)
    return [found.get(k, str(k)) for k in range(num_classes)]


def resolve_class_names(given: Optional[Sequence[str]], meta: Dict,
                        results: Sequence[Dict]) -> Optional[List[str]]:
    """The class names to draw: ``--classes`` (names, or one class-name
    file), else the checkpoint's ``dataset_meta``, else the dump's.

    Args:
        given (Sequence[str], optional): ``--classes``.
        meta (dict): The checkpoint's ``meta`` (empty without one).
        results (Sequence[dict]): The dumped records.

    Returns:
        list[str] | None: The names, or None (indices are drawn).
    """
    if given:
        if len(given) == 1 and osp.isfile(given[0]):
            return list(load_classes(given[0]))
        return list(given)
    stored = (meta.get('dataset_meta') or {}).get('classes')
    if stored:
        return [str(name) for name in stored]
    return dumped_class_names(results)


def curve_points(scores: np.ndarray,
                 labels: np.ndarray) -> Dict[str, np.ndarray]:
    """ROC TPR on the FPR grid and PR precision on the recall grid.

    Args:
        scores (np.ndarray): (N,) positive-class scores.
        labels (np.ndarray): (N,) labels in {0, 1}.

    Returns:
        dict[str, np.ndarray]: ``tpr`` and ``precision``, each
        (len(GRID),); NaN when a class is absent.
    """
    if not 0 < labels.sum() < len(labels):
        nan = np.full(len(GRID), np.nan)
        return dict(tpr=nan, precision=nan)
    fpr, tpr, _ = roc_curve(labels, scores)
    tpr_grid = np.interp(GRID, fpr, tpr)
    tpr_grid[0] = 0.0
    precision, recall, _ = precision_recall_curve(labels, scores)
    # recall decreases along the arrays: reverse for np.interp
    precision_grid = np.interp(GRID, recall[::-1], precision[::-1])
    return dict(tpr=tpr_grid, precision=precision_grid)


def bands(scores: np.ndarray, labels: np.ndarray,
          groups: Optional[np.ndarray], n_bootstrap: int, level: float,
          seed: int) -> Dict[str, Tuple[np.ndarray, np.ndarray]]:
    """Pointwise percentile bands of the curves and CIs of AUROC/AUPRC.

    Returns:
        dict: ``tpr`` / ``precision``: ((G,), (G,)) low and high curves;
        ``auroc`` / ``auprc``: (low, high).
    """

    def statistic(idx):
        points = curve_points(scores[idx], labels[idx])
        values = {f'tpr_{i}': v for i, v in enumerate(points['tpr'])}
        values.update(
            {f'precision_{i}': v
             for i, v in enumerate(points['precision'])})
        auc = binary_auc(scores[idx], labels[idx])
        values.update(auroc=auc['auroc'], auprc=auc['auprc'])
        return values

    ci = bootstrap_ci(statistic, len(labels), groups, n_bootstrap, level,
                      seed, progress=True)
    print()
    out = dict(auroc=ci['auroc'], auprc=ci['auprc'])
    for name in ('tpr', 'precision'):
        out[name] = tuple(
            np.array([ci[f'{name}_{i}'][j] for i in range(len(GRID))])
            for j in (0, 1))
    return out


def plot_binary(scores: np.ndarray, labels: np.ndarray, name: str,
                threshold: Optional[float], threshold_text: str,
                band: Optional[Dict], level: float, axes) -> None:
    """Draw one class's ROC and PR curves on ``axes`` (roc_ax, pr_ax)."""
    roc_ax, pr_ax = axes
    auc = binary_auc(scores, labels)
    fpr, tpr, _ = roc_curve(labels, scores)
    precision, recall, _ = precision_recall_curve(labels, scores)
    ci_roc = ci_pr = ''
    if band is not None:
        ci_roc = f' [{level:.0%} CI {band["auroc"][0]:.3f}, ' \
                 f'{band["auroc"][1]:.3f}]'
        ci_pr = f' [{level:.0%} CI {band["auprc"][0]:.3f}, ' \
                f'{band["auprc"][1]:.3f}]'
    line, = roc_ax.plot(fpr, tpr, label=f'{name}: AUROC {auc["auroc"]:.3f}'
                        + ci_roc)
    pr_ax.step(recall, precision, where='post', color=line.get_color(),
               label=f'{name}: AUPRC {auc["auprc"]:.3f}' + ci_pr
               + f' (prevalence {auc["prevalence"]:.3f})')
    pr_ax.axhline(auc['prevalence'], color=line.get_color(), ls=':', lw=1)
    if band is not None:
        roc_ax.fill_between(GRID, *band['tpr'], color=line.get_color(),
                            alpha=0.2, lw=0)
        pr_ax.fill_between(GRID, *band['precision'], color=line.get_color(),
                           alpha=0.2, lw=0)
    if threshold is not None:
        preds = scores >= threshold
        tp = np.sum(preds & (labels == 1))
        sens = tp / max(np.sum(labels == 1), 1)
        fpr_point = np.sum(preds & (labels == 0)) / max(
            np.sum(labels == 0), 1)
        ppv = tp / preds.sum() if preds.sum() else np.nan
        label = f'threshold {threshold:.3g} ({threshold_text})'
        roc_ax.plot(fpr_point, sens, 'o', color='k', ms=7, label=label)
        pr_ax.plot(sens, ppv, 'o', color='k', ms=7, label=label)


def plot_curves(results: List[Dict],
                out_dir: str,
                threshold: Optional[float] = None,
                threshold_text: str = '',
                n_bootstrap: int = 1000,
                level: float = 0.95,
                seed: int = 0,
                groups: Optional[np.ndarray] = None,
                classes: Optional[List[str]] = None) -> List[str]:
    """Write ``roc.png`` and ``pr.png`` into ``out_dir``.

    Binary dumps (2 scores or 1 sigmoid) draw the positive class with the
    operating point (``threshold``; without one, Youden's J on these records,
    labelled as such). Multi-class dumps draw every class one-vs-rest.

    Args:
        results (list[dict]): Data samples from ``DumpResults``.
        out_dir (str): Output folder (created).
        threshold (float, optional): Operating point. Defaults to None.
        threshold_text (str): Where the threshold came from. Defaults to ''.
        n_bootstrap (int): Resamples for the bands; 0 draws none.
            Defaults to 1000.
        level (float): Confidence level. Defaults to 0.95.
        seed (int): Bootstrap seed. Defaults to 0.
        groups (np.ndarray, optional): (N,) group ids to resample.
            Defaults to None (records).
        classes (list[str], optional): Class names. Defaults to None.

    Returns:
        list[str]: The written files.
    """
    scores, labels = stack_records(
        [sample_to_record(r) for r in results])
    num_classes = max(scores.shape[1], 2)
    names = classes if classes and len(classes) == num_classes else [
        str(k) for k in range(num_classes)
    ]
    roc_fig, roc_ax = plt.subplots(figsize=(6, 6))
    pr_fig, pr_ax = plt.subplots(figsize=(6, 6))
    if scores.shape[1] <= 2:
        per_class = [(names[1], positive_scores(scores), labels)]
        if threshold is None:
            threshold = select_threshold(per_class[0][1], labels)
            threshold_text = "Youden's J on these records (optimistic)"
    else:
        per_class = [(names[k], scores[:, k], (labels == k).astype(int))
                     for k in range(num_classes)]
        threshold = None
    for name, class_scores, class_labels in per_class:
        band = None
        if n_bootstrap > 0:
            band = bands(class_scores, class_labels, groups, n_bootstrap,
                         level, seed)
        plot_binary(class_scores, class_labels, name, threshold,
                    threshold_text, band, level, (roc_ax, pr_ax))
    task = f'{names[1]} vs {names[0]}' if scores.shape[1] <= 2 else \
        'each class vs the rest'
    roc_ax.plot([0, 1], [0, 1], 'k--', lw=1)
    roc_ax.set(xlabel='1 - specificity (FPR)', ylabel='sensitivity (TPR)',
               title=f'ROC, {task}, {len(labels)} records', xlim=(0, 1),
               ylim=(0, 1.02))
    pr_ax.set(xlabel='recall (sensitivity)', ylabel='precision (PPV)',
              title=f'Precision-recall, {task}, {len(labels)} records',
              xlim=(0, 1), ylim=(0, 1.02))
    for ax in (roc_ax, pr_ax):
        ax.legend(loc='lower right' if ax is roc_ax else 'lower left',
                  fontsize=7)
        ax.grid(alpha=0.3)
    os.makedirs(out_dir, exist_ok=True)
    paths = [osp.join(out_dir, 'roc.png'), osp.join(out_dir, 'pr.png')]
    for fig, path in zip((roc_fig, pr_fig), paths):
        fig.tight_layout()
        fig.savefig(path, dpi=120)
        plt.close(fig)
    return paths


def plot_dump(results: str,
              out: str,
              checkpoint: Optional[str] = None,
              threshold: Optional[float] = None,
              threshold_key: str = 'thr_acc',
              n_bootstrap: int = 1000,
              ci_level: float = 0.95,
              seed: int = 0,
              group_key: Optional[str] = None,
              group_file: Optional[str] = None,
              record_key: str = 'filename',
              classes: Optional[Sequence[str]] = None) -> List[str]:
    """:func:`plot_curves` of a dump file, with the operating point and the
    class names of a checkpoint (``tools/analysis/plot_curves.py``).

    Args:
        results (str): ``result.json`` (or ``.pkl``) of ``tools/test.py
            --dump``.
        out (str): Output folder.
        checkpoint (str, optional): Checkpoint holding the threshold chosen
            on validation (``ThresholdHook``). Defaults to None.
        threshold (float, optional): The operating point instead.
        threshold_key (str): Prefix of the ThresholdMetric whose stored
            threshold to draw. Defaults to ``'thr_acc'``.
        n_bootstrap (int): Resamples for the bands (0: none). Defaults to
            1000.
        ci_level (float): Confidence level. Defaults to 0.95.
        seed (int): Bootstrap seed. Defaults to 0.
        group_key (str, optional): Metainfo key of the group (e.g.
            patient) to resample.
        group_file (str, optional): ``record_id group_id`` file.
        record_key (str): Metainfo key of the record id. Defaults to
            ``'filename'``.
        classes (Sequence[str], optional): Class names in index order, or
            one ``classes.txt``. Defaults to the checkpoint's, else those
            in the dump.

    Returns:
        list[str]: The written files (each also printed).
    """
    records = load_results(results)
    text = 'given on the command line'
    meta: Dict = {}
    if checkpoint:
        meta = load_checkpoint_file(
            checkpoint, map_location='cpu').get('meta', {})
        stored = stored_thresholds(meta)
        entry = stored.get(threshold_key)
        if entry is None:
            raise KeyError(
                f'{checkpoint} holds no threshold for '
                f'`{threshold_key}` (it holds {sorted(stored)}): train '
                'with ThresholdHook, or pass --threshold.')
        threshold = entry['threshold']
        text = f'chosen on validation, epoch {entry["epoch"]}'
    classes = resolve_class_names(classes, meta, records)
    groups = None
    if group_key or group_file:
        keep = [k for k in (group_key, record_key) if k]
        groups = record_groups([sample_to_record(r, keep) for r in records],
                               group_key,
                               load_group_map(group_file)
                               if group_file else None, record_key)
    paths = plot_curves(records, out, threshold, text, n_bootstrap,
                        ci_level, seed, groups, classes)
    for path in paths:
        print(f'wrote {path}')
    return paths
