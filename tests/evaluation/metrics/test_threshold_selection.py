# Copyright (c) nl1d contributors. All rights reserved.
import numpy as np
import pytest
from sklearn.metrics import recall_score, roc_curve

from nl1d.evaluation.metrics import describe_selection, select_threshold


def _data(n=200, seed=0):
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, n)
    scores = 1 / (1 + np.exp(-(rng.normal(size=n) + 1.5 * labels)))
    return scores, labels


def _sens_spec(scores, labels, thr):
    preds = (scores >= thr).astype(int)
    return (recall_score(labels, preds),
            recall_score(labels, preds, pos_label=0))


def test_youden_maximises_j_over_all_cutoffs():
    scores, labels = _data()
    thr = select_threshold(scores, labels, 'youden')
    sens, spec = _sens_spec(scores, labels, thr)
    # brute force over every distinct score as a cutoff
    best = max(sum(_sens_spec(scores, labels, t)) - 1 for t in scores)
    assert sens + spec - 1 == pytest.approx(best)
    fpr, tpr, thresholds = roc_curve(labels, scores)
    assert thr == thresholds[np.argmax(tpr - fpr)]


@pytest.mark.parametrize('target', [0.8, 0.9, 0.95])
def test_target_sensitivity_is_reached_with_best_specificity(target):
    scores, labels = _data(seed=1)
    thr = select_threshold(scores, labels, 'sensitivity', target)
    sens, spec = _sens_spec(scores, labels, thr)
    assert sens >= target
    feasible = [_sens_spec(scores, labels, t) for t in scores]
    assert spec == pytest.approx(max(sp for se, sp in feasible
                                     if se >= target))


@pytest.mark.parametrize('target', [0.8, 0.95])
def test_target_specificity_is_reached_with_best_sensitivity(target):
    scores, labels = _data(seed=2)
    thr = select_threshold(scores, labels, 'specificity', target)
    sens, spec = _sens_spec(scores, labels, thr)
    assert spec >= target
    feasible = [_sens_spec(scores, labels, t) for t in scores] + [
        _sens_spec(scores, labels, np.inf)]
    assert sens == pytest.approx(max(se for se, sp in feasible
                                     if sp >= target))


def test_specificity_one_gives_a_finite_threshold():
    scores, labels = np.array([0.9, 0.8, 0.1]), np.array([0, 1, 0])
    thr = select_threshold(scores, labels, 'specificity', 1.0)
    assert np.isfinite(thr) and thr > 0.9
    assert _sens_spec(scores, labels, thr) == (0.0, 1.0)


def test_bad_rules_are_explained():
    scores, labels = _data()
    with pytest.raises(ValueError, match='needs target'):
        select_threshold(scores, labels, 'sensitivity')
    with pytest.raises(ValueError, match='choose one of'):
        select_threshold(scores, labels, 'f1')
    with pytest.raises(ValueError, match='both classes'):
        select_threshold(scores, np.zeros_like(labels))
    assert describe_selection('youden') == "Youden's J"
    assert describe_selection('sensitivity', 0.9) == 'sensitivity >= 0.90'


@pytest.mark.parametrize('seed', [0, 3])
def test_accuracy_rule_maximises_accuracy_over_all_cutoffs(seed):
    scores, labels = _data(n=150, seed=seed)
    labels[:40] = 0  # unbalanced, so J and accuracy disagree
    thr = select_threshold(scores, labels, 'accuracy')
    accuracy = np.mean((scores >= thr) == labels)
    best = max(np.mean((scores >= t) == labels)
               for t in np.append(scores, np.inf))
    assert accuracy == pytest.approx(best)
    assert describe_selection('accuracy') == 'accuracy'
    with pytest.raises(ValueError, match='takes no target'):
        select_threshold(scores, labels, 'accuracy', 0.9)


def test_accuracy_rule_follows_the_prevalence():
    # 2 positives (0.9, 0.6) among 100 negatives, two of them at 0.6:
    # J lowers the cutoff to 0.6 (sensitivity +0.5, specificity -0.02),
    # accuracy keeps 0.9 (one more right, two more wrong).
    scores = np.array([0.9, 0.6, 0.6, 0.6] + [0.1] * 98)
    labels = np.array([1, 1, 0, 0] + [0] * 98)
    assert select_threshold(scores, labels, 'accuracy') == 0.9
    assert select_threshold(scores, labels, 'youden') == 0.6
