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
:func:`nl1d.evaluation.results.load_results` (a pickle that needs more
than ``--dump`` writes is refused, unrun); ``--dump`` / ``--val-dump`` write
the fusion in the format of their suffix.

Its command line (``tools/analysis/fuse_scores.py``)::

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
import logging
from typing import Dict, List, Optional, Sequence, Tuple

from mmengine.config import Config
from mmengine.logging import print_log
from mmengine.registry import init_default_scope

from nl1d.evaluation.baseline_eval import (build_evaluator,
                                           evaluate_val_test, report)
from nl1d.evaluation.score_fusion import (choose_coefficients, fuse_samples,
                                          load_dumps, pop_positive_class)
from nl1d.runtime.cli import load_config


def selection_rule(cfg: Config) -> Tuple[str, float]:
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


def _check_arguments(preds: Sequence[str],
                     val_preds: Optional[Sequence[str]],
                     coefficients: Optional[Sequence[float]], choose: bool,
                     threshold: Optional[float]) -> None:
    """Raise on dumps and options that do not go together."""
    if val_preds and len(val_preds) != len(preds):
        raise ValueError(
            f'--val-preds lists {len(val_preds)} dumps and --preds '
            f'{len(preds)}: give one validation dump per model, in the '
            'same order.')
    if val_preds and threshold is not None:
        raise ValueError('Give --val-preds (thresholds chosen on the fused '
                         'validation dumps) or --threshold, not both.')
    if choose and (not val_preds or coefficients):
        raise ValueError('--choose-coefficients chooses the weights on the '
                         'validation dumps: give --val-preds, and no '
                         '--coefficients.')


def _chosen_weights(cfg: Config, val_dumps: List[List[Dict]],
                    preds: Sequence[str], val_preds: Sequence[str],
                    fuse: Dict) -> Tuple[List[float], Dict[str, float]]:
    """The weights of the grid that score best on the fused validation
    dumps by the config's ``save_best`` metric, and what to report of
    them."""
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
        val_dumps, score, names=val_preds, **fuse)
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
                          zip(coefficients, preds)),
              logger='current')
    chosen = {f'fusion/weight_{i}': w for i, w in enumerate(coefficients)}
    chosen[f'fusion/val_{key}'] = sign * best
    return coefficients, chosen


def fuse_dumps(config: str,
               preds: Sequence[str],
               val_preds: Optional[Sequence[str]] = None,
               coefficients: Optional[Sequence[float]] = None,
               choose_coefficients: bool = False,
               mean: str = 'arithmetic',
               threshold: Optional[float] = None,
               dump: Optional[str] = None,
               out: Optional[str] = None,
               val_dump: Optional[str] = None,
               cfg_options: Optional[Dict] = None) -> Dict[str, float]:
    """Fuse the test dumps ``preds`` and evaluate the fusion with the
    config's metrics, thresholds chosen on the fused ``val_preds``
    (``tools/analysis/fuse_scores.py``; see the module docstring).

    Args:
        config (str): The config file (datasets and evaluators).
        preds (Sequence[str]): Test dumps, one per model.
        val_preds (Sequence[str], optional): The same models' validation
            dumps, in the same order.
        coefficients (Sequence[float], optional): One weight per model.
            Defaults to equal weights.
        choose_coefficients (bool): Choose the weights on ``val_preds``.
            Defaults to False.
        mean (str): ``'arithmetic'`` or ``'geometric'``. Defaults to
            ``'arithmetic'``.
        threshold (float, optional): Threshold of every ThresholdMetric
            (instead of ``val_preds``).
        dump (str, optional): Write the fused test predictions here.
        out (str, optional): Write the metrics here.
        val_dump (str, optional): Write the fused validation predictions
            here.
        cfg_options (dict, optional): ``--cfg-options`` overrides.

    Returns:
        dict[str, float]: The test metrics (and the chosen weights).
    """
    _check_arguments(preds, val_preds, coefficients, choose_coefficients,
                     threshold)
    cfg = load_config(config, cfg_options)
    fuse = dict(mean=mean, positive_class=pop_positive_class(cfg))
    val_dumps = load_dumps(val_preds, '--val-preds') if val_preds else None
    chosen = {}
    if choose_coefficients:
        coefficients, chosen = _chosen_weights(cfg, val_dumps, preds,
                                               val_preds, fuse)
    fused = {'test': fuse_samples(load_dumps(preds, '--preds'),
                                  coefficients, preds, **fuse)}
    if val_dumps:
        fused['val'] = fuse_samples(val_dumps, coefficients, val_preds,
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

    name = f'fusion of {len(preds)} models'
    metrics, samples = evaluate_val_test(cfg, samples_of, name,
                                         threshold=threshold,
                                         val_dump=val_dump)
    metrics.update(chosen)
    report(metrics, samples, name, dump, out)
    return metrics
