# Copyright (c) nl1d contributors. All rights reserved.
"""Paired comparison of models on the same records:
nl1d.evaluation.paired_comparison and nl1d.analysis.comparison
(tools/analysis/compare_scores.py)."""
import json

import mmengine
import numpy as np
import pytest
import torch
from sklearn.metrics import average_precision_score, roc_auc_score

import nl1d  # noqa: F401
from nl1d.analysis.comparison import compare_dumps, format_table
from nl1d.evaluation.baseline_eval import binary_samples
from nl1d.evaluation.paired_comparison import (auc_values,
                                               paired_auc_difference)
from tests.tools.tiny_signal_utils import EVAL_CONFIG


def _binary(p):
    p = np.asarray(p, dtype=np.float64)
    return np.stack([1 - p, p], axis=-1)


def _data(num=200, seed=0):
    """Labels, a good model's and a weak model's positive scores."""
    rng = np.random.default_rng(seed)
    labels = (np.arange(num) % 4 == 0).astype(np.int64)
    good = np.clip(0.3 + 0.4 * labels + rng.normal(0, 0.1, num), 0, 1)
    weak = np.clip(0.45 + 0.1 * labels + rng.normal(0, 0.2, num), 0, 1)
    return labels, good, weak


def test_values_are_scikit_learns():
    labels, good, weak = _data()
    values = auc_values(_binary(good), labels)
    assert values['auroc'] == pytest.approx(roc_auc_score(labels, good))
    assert values['auprc'] == pytest.approx(
        average_precision_score(labels, good))
    # more than two classes: the macro one-vs-rest mean
    rng = np.random.default_rng(1)
    three = rng.dirichlet(np.ones(3), size=60)
    classes = np.arange(60) % 3
    assert auc_values(three, classes)['auroc'] == pytest.approx(
        roc_auc_score(classes, three, multi_class='ovr', average='macro'))


def test_a_model_compared_with_itself_differs_by_nothing():
    labels, good, _ = _data()
    result = paired_auc_difference(np.stack([_binary(good)] * 2), labels,
                                   n_resamples=200)
    assert result['delta_auroc_1'] == 0
    assert result['delta_auroc_1_ci'] == (0.0, 0.0)
    assert result['p_auroc_1'] == 1.0
    # each model's own interval is as wide as ever
    low, high = result['auroc_0_ci']
    assert low < result['auroc_0'] < high


@pytest.mark.slow
def test_a_better_model_is_found_better_and_the_draws_are_seeded():
    labels, good, weak = _data()
    scores = np.stack([_binary(weak), _binary(good)])
    result = paired_auc_difference(scores, labels, n_resamples=500)
    delta = roc_auc_score(labels, good) - roc_auc_score(labels, weak)
    assert result['delta_auroc_1'] == pytest.approx(delta)
    low, high = result['delta_auroc_1_ci']
    assert 0 < low < delta < high
    assert result['p_auroc_1'] < 0.01
    assert result['delta_auprc_1'] > 0
    again = paired_auc_difference(scores, labels, n_resamples=500)
    assert again['delta_auroc_1_ci'] == result['delta_auroc_1_ci']
    other = paired_auc_difference(scores, labels, n_resamples=500, seed=1)
    assert other['delta_auroc_1_ci'] != result['delta_auroc_1_ci']


@pytest.mark.slow
def test_pairing_is_tighter_than_the_two_intervals():
    """Two models that share most of their errors: their own CIs overlap
    widely, yet the paired difference is clearly above zero."""
    labels, good, _ = _data(num=120)
    rng = np.random.default_rng(3)
    noise = rng.normal(0, 0.25, labels.shape[0])
    base = np.clip(good + noise, 0, 1)
    better = np.clip(good + 0.8 * noise, 0, 1)
    result = paired_auc_difference(np.stack([_binary(base),
                                             _binary(better)]), labels,
                                   n_resamples=1000)
    assert result['auroc_1_ci'][0] < result['auroc_0_ci'][1]  # overlap
    assert result['delta_auroc_1_ci'][0] > 0
    assert result['p_auroc_1'] < 0.05


def test_groups_are_resampled_whole_and_shapes_are_checked():
    labels, good, weak = _data(num=40)
    scores = np.stack([_binary(weak), _binary(good)])
    groups = np.repeat(np.arange(10), 4)
    grouped = paired_auc_difference(scores, labels, groups, n_resamples=300)
    plain = paired_auc_difference(scores, labels, n_resamples=300)
    assert grouped['delta_auroc_1'] == plain['delta_auroc_1']
    assert grouped['delta_auroc_1_ci'] != plain['delta_auroc_1_ci']
    with pytest.raises(ValueError, match='groups has shape'):
        paired_auc_difference(scores, labels, groups[:10], n_resamples=10)
    with pytest.raises(ValueError, match='M >= 2'):
        paired_auc_difference(scores[:1], labels)
    with pytest.raises(ValueError, match='same N records'):
        paired_auc_difference(scores, labels[:10])


def test_the_tool_compares_a_four_class_network_with_a_baseline(tmp_path):
    """The config evaluates class 1 against the rest: a four-class model's
    P(class 1) and a binary baseline compare on the same records."""
    config = tmp_path / 'compare_config.py'
    config.write_text(EVAL_CONFIG.format(root=str(tmp_path)).replace(
        "dict(type='AUCMetric'", "dict(type='AUCMetric', positive_class=1"))
    labels, good, weak = _data(num=80)
    files = [f'rec_{i:03d}.npy' for i in range(80)]
    four = [dict(pred_score=torch.tensor([(1 - p) / 2, p, (1 - p) / 2, 0.0],
                                         dtype=torch.float32),
                 pred_label=torch.tensor(1),
                 gt_label=torch.tensor([int(y)]), filename=f)
            for p, y, f in zip(good, labels, files)]
    net, base = str(tmp_path / 'net.pkl'), str(tmp_path / 'base.pkl')
    mmengine.dump(four, net)
    mmengine.dump(binary_samples(weak, labels, files), base)
    out = str(tmp_path / 'cmp.json')
    result = compare_dumps(str(config), [base, net],
                           names=['baseline', 'network'], n_bootstrap=300,
                           out=out)
    assert result['auroc_1'] == pytest.approx(roc_auc_score(labels, good),
                                              rel=1e-6)
    assert result['delta_auroc_1_ci'][0] > 0
    with open(out) as f:
        saved = json.load(f)
    assert saved['names'] == ['baseline', 'network']
    assert saved['num_records'] == 80
    assert saved['delta_auroc_1'] == pytest.approx(result['delta_auroc_1'])
    table = format_table(result, ['baseline', 'network'])
    assert '| network |' in table and '(reference)' in table
    with pytest.raises(ValueError, match='--names lists 1'):
        compare_dumps(str(config), [base, net], names=['x'])
    mmengine.dump(binary_samples(weak, labels, files[::-1]), base)
    with pytest.raises(ValueError, match='different records or orders'):
        compare_dumps(str(config), [base, net])
    with pytest.raises(FileNotFoundError, match='--preds missing.pkl'):
        compare_dumps(str(config), ['missing.pkl', net])
