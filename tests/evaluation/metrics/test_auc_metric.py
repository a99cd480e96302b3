# Copyright (c) nl1d contributors. All rights reserved.
import logging

import numpy as np
import pytest
import torch
from sklearn.metrics import average_precision_score, roc_auc_score
from sklearn.preprocessing import label_binarize

import nl1d  # noqa: F401  (registers the metrics, repairs the stack)
from mmaction.registry import METRICS
from mmaction.structures import ActionDataSample
from mmengine.evaluator import Evaluator
from mmengine.hooks import CheckpointHook
from mmengine.logging import MMLogger
from mmengine.registry import init_default_scope


def _samples(scores, labels, **meta):
    """Data samples as mmengine's Evaluator passes them (dicts)."""
    samples = []
    for i, (score, label) in enumerate(zip(scores, labels)):
        sample = ActionDataSample()
        sample.set_gt_label(int(label))
        sample.set_pred_score(torch.as_tensor(score, dtype=torch.float32))
        sample.set_metainfo({k: v[i] for k, v in meta.items()})
        samples.append(sample.to_dict())
    return samples


def _evaluate(metric_cfg, scores, labels, **meta):
    metric = METRICS.build(metric_cfg)
    metric.process(None, _samples(scores, labels, **meta))
    return metric.evaluate(len(labels))


def _binary_data(n=120, seed=0):
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, n)
    pos = 1 / (1 + np.exp(-(rng.normal(size=n) + 1.2 * labels)))
    return np.stack([1 - pos, pos], 1), labels


def _multiclass_data(n=150, k=4, seed=1):
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, k, n)
    logits = rng.normal(size=(n, k))
    logits[np.arange(n), labels] += 1.0
    probs = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    return probs, labels


def test_binary_matches_sklearn():
    scores, labels = _binary_data()
    # float32 round trip as in a real data sample
    pos = scores[:, 1].astype(np.float32).astype(np.float64)
    results = _evaluate(dict(type='AUCMetric'), scores, labels)
    assert list(results)[0] == 'auc/auroc'  # what save_best='auto' picks
    assert results['auc/auroc'] == pytest.approx(roc_auc_score(labels, pos))
    assert results['auc/auprc'] == pytest.approx(
        average_precision_score(labels, pos))
    assert results['auc/prevalence'] == pytest.approx(labels.mean())


def test_single_sigmoid_output_is_binary():
    scores, labels = _binary_data(seed=3)
    pos = scores[:, 1:].astype(np.float32)
    two = _evaluate(dict(type='AUCMetric'), scores, labels)
    one = _evaluate(dict(type='AUCMetric'), pos, labels)
    assert one == pytest.approx(two)
    assert one['auc/auroc'] == pytest.approx(
        roc_auc_score(labels, pos[:, 0]))


def test_multiclass_macro_and_per_class_match_sklearn():
    scores, labels = _multiclass_data()
    scores32 = scores.astype(np.float32).astype(np.float64)
    results = _evaluate(
        dict(type='AUCMetric', per_class=True), scores, labels)
    onehot = label_binarize(labels, classes=range(4))
    assert results['auc/auroc'] == pytest.approx(
        roc_auc_score(labels, scores32 / scores32.sum(1, keepdims=True),
                      multi_class='ovr', average='macro'))
    assert results['auc/auprc'] == pytest.approx(
        average_precision_score(onehot, scores32, average='macro'))
    per_roc = roc_auc_score(onehot, scores32, average=None)
    per_ap = average_precision_score(onehot, scores32, average=None)
    for k in range(4):
        assert results[f'auc/auroc_{k}'] == pytest.approx(per_roc[k])
        assert results[f'auc/auprc_{k}'] == pytest.approx(per_ap[k])
        assert results[f'auc/prevalence_{k}'] == pytest.approx(
            (labels == k).mean())


def test_per_class_uses_dataset_class_names():
    scores, labels = _multiclass_data(k=3)
    metric = METRICS.build(dict(type='AUCMetric', per_class=True))
    metric.dataset_meta = dict(classes=('N', 'AF', 'other'))
    metric.process(None, _samples(scores, labels))
    results = metric.evaluate(len(labels))
    assert {'auc/auroc_N', 'auc/auroc_AF', 'auc/auroc_other'} <= set(results)


def test_absent_class_warns_and_gives_nan():
    scores, labels = _binary_data()
    labels = np.zeros_like(labels)
    logger = MMLogger.get_current_instance()
    messages = []
    handler = logging.Handler()
    handler.emit = lambda record: messages.append(record.getMessage())
    logger.addHandler(handler)
    try:
        results = _evaluate(dict(type='AUCMetric'), scores, labels)
    finally:
        logger.removeHandler(handler)
    assert np.isnan(results['auc/auroc'])
    assert np.isnan(results['auc/auprc'])
    assert results['auc/prevalence'] == 0
    assert any("['1']" in m and 'absent' in m for m in messages)


def test_multiclass_absent_class_nan_only_for_it():
    scores, labels = _multiclass_data()
    labels[labels == 2] = 0
    results = _evaluate(
        dict(type='AUCMetric', per_class=True), scores, labels)
    assert np.isnan(results['auc/auroc'])
    assert np.isnan(results['auc/auroc_2'])
    onehot = label_binarize(labels, classes=range(4))
    assert results['auc/auroc_1'] == pytest.approx(
        roc_auc_score(onehot[:, 1], scores[:, 1].astype(np.float32)))


def test_label_outside_head_classes_is_explained():
    scores, labels = _binary_data()
    labels[0] = 2
    with pytest.raises(ValueError, match='num_classes'):
        _evaluate(dict(type='AUCMetric'), scores, labels)


def test_bootstrap_is_seeded_and_brackets_estimate():
    scores, labels = _binary_data(n=80)
    cfg = dict(type='AUCMetric', n_bootstrap=200, seed=7)
    first = _evaluate(cfg, scores, labels)
    second = _evaluate(cfg, scores, labels)
    assert first == second
    other = _evaluate(dict(cfg, seed=8), scores, labels)
    assert other['auc/auroc_ci_low'] != first['auc/auroc_ci_low']
    for name in ('auroc', 'auprc'):
        assert first[f'auc/{name}_ci_low'] < first[f'auc/{name}'] \
            < first[f'auc/{name}_ci_high']
    assert 'auc/prevalence_ci_low' not in first


def test_bootstrap_reference_computation():
    """The CI is the percentile interval of sklearn AUROCs of resampled
    records, with the documented generator."""
    scores, labels = _binary_data(n=60)
    results = _evaluate(
        dict(type='AUCMetric', n_bootstrap=100, seed=3), scores, labels)
    pos = scores[:, 1].astype(np.float32).astype(np.float64)
    rng = np.random.default_rng(3)
    aucs = []
    for _ in range(100):
        idx = rng.integers(0, 60, 60)
        if 0 < labels[idx].sum() < 60:
            aucs.append(roc_auc_score(labels[idx], pos[idx]))
    low, high = np.quantile(aucs, [0.025, 0.975])
    assert results['auc/auroc_ci_low'] == pytest.approx(low)
    assert results['auc/auroc_ci_high'] == pytest.approx(high)


def test_group_key_resamples_patients():
    scores, labels = _binary_data(n=60)
    patients = [f'p{i // 6}' for i in range(60)]
    by_record = _evaluate(
        dict(type='AUCMetric', n_bootstrap=100), scores, labels,
        patient_id=patients)
    by_patient = _evaluate(
        dict(type='AUCMetric', n_bootstrap=100, group_key='patient_id'),
        scores, labels, patient_id=patients)
    assert by_record['auc/auroc'] == by_patient['auc/auroc']
    assert by_record['auc/auroc_ci_low'] != by_patient['auc/auroc_ci_low']
    with pytest.raises(KeyError, match='patient'):
        _evaluate(dict(type='AUCMetric', n_bootstrap=10,
                       group_key='patient'), scores, labels)


def test_group_file(tmp_path):
    scores, labels = _binary_data(n=40)
    files = [f'/data/sig/rec{i}.npy' for i in range(40)]
    group_file = tmp_path / 'groups.txt'
    group_file.write_text('# record patient\n' + ''.join(
        f'sig/rec{i}.npy p{i // 4}\n' for i in range(40)))
    with_file = _evaluate(
        dict(type='AUCMetric', n_bootstrap=50, group_file=str(group_file)),
        scores, labels, filename=files)
    with_key = _evaluate(
        dict(type='AUCMetric', n_bootstrap=50, group_key='patient'),
        scores, labels, patient=[f'p{i // 4}' for i in range(40)])
    assert with_file == with_key


def test_through_mmengine_evaluator():
    scores, labels = _binary_data(n=30)
    init_default_scope('mmaction')
    evaluator = Evaluator([
        dict(type='AUCMetric'),
        dict(type='AccMetric',
             metric_options=dict(top_k_accuracy=dict(topk=(1, ))))
    ])
    samples = []
    for score, label in zip(scores, labels):
        sample = ActionDataSample().set_gt_label(int(label))
        sample.set_pred_score(torch.as_tensor(score, dtype=torch.float32))
        samples.append(sample)
    evaluator.process(samples)
    results = evaluator.evaluate(len(samples))
    assert results['auc/auroc'] == pytest.approx(
        roc_auc_score(labels, scores[:, 1]), abs=1e-6)
    assert 'acc/top1' in results


def test_every_emitted_name_is_greater_for_save_best():
    scores, labels = _multiclass_data()
    names = list(_evaluate(
        dict(type='AUCMetric', per_class=True, n_bootstrap=5), scores,
        labels))
    names += list(_evaluate(
        dict(type='AUCMetric', n_bootstrap=5), *_binary_data()))
    names = sorted(set(names))
    hook = CheckpointHook(save_best=names)
    hook._init_rule([None], names)
    assert hook.rules == ['greater'] * len(names)
