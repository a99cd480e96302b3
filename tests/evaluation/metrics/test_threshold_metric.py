# Copyright (c) nl1d contributors. All rights reserved.
import numpy as np
import pytest
import torch
from sklearn.metrics import (accuracy_score, balanced_accuracy_score,
                             confusion_matrix, f1_score, precision_score,
                             recall_score)

import nl1d  # noqa: F401
from mmaction.registry import METRICS
from mmengine.hooks import CheckpointHook
from nl1d.evaluation.metrics import select_threshold


def _samples(scores, labels):
    return [
        dict(pred_score=torch.as_tensor(s, dtype=torch.float64),
             gt_label=torch.tensor([int(y)])) for s, y in zip(scores, labels)
    ]


def _run(metric, scores, labels):
    metric.process(None, _samples(scores, labels))
    return metric.evaluate(len(labels))


def _binary(n=150, seed=0):
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, n)
    pos = 1 / (1 + np.exp(-(rng.normal(size=n) + 1.3 * labels)))
    return np.stack([1 - pos, pos], 1), labels


def test_binary_metrics_match_sklearn_at_selected_threshold():
    scores, labels = _binary()
    metric = METRICS.build(dict(type='ThresholdMetric'))
    res = _run(metric, scores, labels)
    thr = select_threshold(scores[:, 1], labels)
    assert res['thr_acc/threshold'] == thr
    preds = (scores[:, 1] >= thr).astype(int)
    tn, fp, fn, tp = confusion_matrix(labels, preds).ravel()
    assert res['thr_acc/sensitivity'] == pytest.approx(
        recall_score(labels, preds))
    assert res['thr_acc/specificity'] == pytest.approx(tn / (tn + fp))
    assert res['thr_acc/ppv'] == pytest.approx(
        precision_score(labels, preds))
    assert res['thr_acc/npv'] == pytest.approx(tn / (tn + fn))
    assert res['thr_acc/f1'] == pytest.approx(f1_score(labels, preds))
    assert res['thr_acc/accuracy'] == pytest.approx(
        accuracy_score(labels, preds))
    assert res['thr_acc/balanced_accuracy'] == pytest.approx(
        balanced_accuracy_score(labels, preds))
    assert metric.threshold_source.startswith('chosen on these 150 records')


def test_fixed_threshold_and_target_sensitivity():
    scores, labels = _binary(seed=1)
    res = _run(METRICS.build(dict(type='ThresholdMetric', threshold=0.5)),
               scores, labels)
    preds = (scores[:, 1] >= 0.5).astype(int)
    assert res['thr_acc/threshold'] == 0.5
    assert res['thr_acc/sensitivity'] == pytest.approx(
        recall_score(labels, preds))
    res = _run(METRICS.build(dict(type='ThresholdMetric',
                                  select='sensitivity', target=0.9)),
               scores, labels)
    assert res['thr_acc/sensitivity'] >= 0.9


def test_frozen_without_threshold_refuses_test_data():
    scores, labels = _binary()
    metric = METRICS.build(dict(type='ThresholdMetric', frozen=True))
    with pytest.raises(RuntimeError, match='ThresholdHook'):
        _run(metric, scores, labels)
    metric = METRICS.build(dict(type='ThresholdMetric', frozen=True))
    metric.set_threshold(0.42, 'chosen on validation')
    res = _run(metric, scores, labels)
    assert res['thr_acc/threshold'] == 0.42


def test_config_threshold_wins_over_checkpoint():
    metric = METRICS.build(dict(type='ThresholdMetric', threshold=0.3))
    metric.set_threshold(0.42, 'checkpoint')
    assert metric.threshold == 0.3


def test_one_class_validation_gives_nan_not_crash():
    scores, labels = _binary()
    res = _run(METRICS.build(dict(type='ThresholdMetric')), scores,
               np.zeros_like(labels))
    assert np.isnan(res['thr_acc/threshold'])
    assert np.isnan(res['thr_acc/sensitivity'])


def test_multiclass_macro_and_per_class_match_sklearn():
    rng = np.random.default_rng(4)
    labels = rng.integers(0, 3, 120)
    scores = rng.random((120, 3))
    scores[np.arange(120), labels] += 0.4
    preds = scores.argmax(1)
    metric = METRICS.build(dict(type='ThresholdMetric', per_class=True))
    res = _run(metric, scores, labels)
    assert res['thr_acc/accuracy'] == pytest.approx(
        accuracy_score(labels, preds))
    assert res['thr_acc/mean_class_accuracy'] == pytest.approx(
        balanced_accuracy_score(labels, preds))
    assert res['thr_acc/sensitivity'] == pytest.approx(
        recall_score(labels, preds, average='macro'))
    assert res['thr_acc/ppv'] == pytest.approx(
        precision_score(labels, preds, average='macro'))
    assert res['thr_acc/f1'] == pytest.approx(
        f1_score(labels, preds, average='macro'))
    cm = confusion_matrix(labels, preds)
    spec = [(cm.sum() - cm[k].sum() - cm[:, k].sum() + cm[k, k])
            / (cm.sum() - cm[k].sum()) for k in range(3)]
    assert res['thr_acc/specificity'] == pytest.approx(np.mean(spec))
    for k in range(3):
        assert res[f'thr_acc/specificity_{k}'] == pytest.approx(spec[k])
        assert res[f'thr_acc/sensitivity_{k}'] == pytest.approx(
            recall_score(labels == k, preds == k))


def test_bootstrap_cis_and_save_best_rule():
    scores, labels = _binary()
    res = _run(METRICS.build(dict(type='ThresholdMetric', n_bootstrap=100)),
               scores, labels)
    for name in ('sensitivity', 'specificity', 'ppv', 'f1'):
        assert res[f'thr_acc/{name}_ci_low'] <= res[f'thr_acc/{name}'] \
            <= res[f'thr_acc/{name}_ci_high']
    names = sorted(res)
    hook = CheckpointHook(save_best=names)
    hook._init_rule([None], names)
    assert hook.rules == ['greater'] * len(names)


@pytest.mark.parametrize('num_scores, bad_label',
                         [(1, 2), (2, 2), (4, 4), (4, -1)])
def test_labels_outside_the_scores_share_one_message(num_scores, bad_label):
    """Both metrics refuse labels the head has no score for, one message."""
    rng = np.random.default_rng(0)
    scores = rng.dirichlet(np.ones(max(num_scores, 2)), 8)[:, :num_scores]
    labels = np.arange(8) % max(num_scores, 2)
    labels[3] = bad_label
    messages = []
    for cfg in (dict(type='ThresholdMetric', threshold=0.5),
                dict(type='AUCMetric')):
        with pytest.raises(ValueError, match="set the head's `num_classes`"
                           ) as info:
            _run(METRICS.build(cfg), scores, labels)
        messages.append(str(info.value).split(': ', 1)[1])
    assert messages[0] == messages[1]
    assert f'pred_score has {num_scores} classes' in messages[0]
