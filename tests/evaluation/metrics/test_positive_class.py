# Copyright (c) nl1d contributors. All rights reserved.
"""positive_class: a multi-class model evaluated as class k vs the rest."""
import numpy as np
import pytest
import torch
from sklearn.metrics import average_precision_score, roc_auc_score

from nl1d.evaluation.metrics import AUCMetric, ThresholdMetric


def _samples(scores, labels):
    return [dict(pred_score=torch.tensor(s), gt_label=torch.tensor(l))
            for s, l in zip(scores, labels)]


@pytest.mark.parametrize('binary_labels', [True, False])
def test_class_vs_rest(binary_labels):
    rng = np.random.default_rng(0)
    four = rng.integers(0, 4, 200)  # normal, AF, other, noisy
    logits = rng.normal(size=(200, 4)) + 2 * np.eye(4)[four]
    scores = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    labels = (four == 1).astype(int) if binary_labels else four
    metric = AUCMetric(positive_class=1)
    metric.process(None, _samples(scores, labels))
    result = metric.compute_metrics(metric.results)
    target = four == 1
    assert result['auroc'] == pytest.approx(
        roc_auc_score(target, scores[:, 1]))
    assert result['auprc'] == pytest.approx(
        average_precision_score(target, scores[:, 1]))
    assert result['prevalence'] == pytest.approx(target.mean())
    threshold = ThresholdMetric(positive_class=1, threshold=0.5)
    threshold.process(None, _samples(scores, labels))
    result = threshold.compute_metrics(threshold.results)
    predicted = scores[:, 1] >= 0.5
    assert result['sensitivity'] == pytest.approx(predicted[target].mean())
    assert result['specificity'] == pytest.approx(
        (~predicted[~target]).mean())


def test_a_class_the_model_lacks():
    metric = AUCMetric(positive_class=4)
    metric.process(None, _samples(np.full((3, 4), 0.25), [0, 1, 2]))
    with pytest.raises(ValueError, match='class 4 does not exist'):
        metric.compute_metrics(metric.results)
    with pytest.raises(ValueError, match='positive_class'):
        AUCMetric(positive_class=-1)
