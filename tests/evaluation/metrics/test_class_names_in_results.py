# Copyright (c) nl1d contributors. All rights reserved.
"""The dataset's class names (``dataset_meta['classes']``) in the metrics'
keys and log lines, and in ``DumpResults`` records."""
import logging
import pickle

import numpy as np
import pytest
import torch
from mmaction.registry import METRICS
from mmaction.structures import ActionDataSample
from mmengine.evaluator import DumpResults as MMEngineDumpResults
from mmengine.evaluator import Evaluator
from mmengine.logging import MMLogger
from mmengine.registry import init_default_scope

import nl1d  # noqa: F401  (registers the metrics)
from nl1d.evaluation.metrics import DumpResults, name_records


def _samples(scores, labels):
    """Predicted data samples as dicts, as the Evaluator passes them."""
    samples = []
    for score, label in zip(scores, labels):
        sample = ActionDataSample().set_gt_label(int(label))
        score = torch.as_tensor(score, dtype=torch.float32)
        sample.set_pred_score(score)
        sample.set_pred_label(score.argmax(keepdim=True))
        samples.append(sample.to_dict())
    return samples


def _binary(n=60, seed=0):
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, n)
    pos = 1 / (1 + np.exp(-(rng.normal(size=n) + 1.5 * labels)))
    return np.stack([1 - pos, pos], 1), labels


class _Messages:
    """Collect what the current MMLogger logs."""

    def __enter__(self):
        self.logger = MMLogger.get_current_instance()
        self.messages = []
        self.handler = logging.Handler()
        self.handler.emit = lambda r: self.messages.append(r.getMessage())
        self.logger.addHandler(self.handler)
        return self.messages

    def __exit__(self, *exc):
        self.logger.removeHandler(self.handler)


def _evaluate(cfg, scores, labels, classes):
    metric = METRICS.build(cfg)
    metric.dataset_meta = dict(classes=classes)
    metric.process(None, _samples(scores, labels))
    return metric.evaluate(len(labels))


def test_binary_log_lines_name_the_positive_class():
    scores, labels = _binary()
    positives = int(labels.sum())
    with _Messages() as messages:
        _evaluate(dict(type='AUCMetric'), scores, labels, ('rest', 'AF'))
        _evaluate(dict(type='ThresholdMetric'), scores, labels,
                  ('rest', 'AF'))
    named = [m for m in messages
             if f'{positives} positive (AF) of {len(labels)} records' in m]
    assert len(named) == 2  # the AUROC line and the operating-point line
    with _Messages() as messages:
        _evaluate(dict(type='AUCMetric'), scores, labels, None)
    assert any(f'{positives} positive of {len(labels)} records' in m
               for m in messages)


def test_per_class_keys_from_names_with_spaces():
    rng = np.random.default_rng(1)
    labels = rng.integers(0, 3, 90)
    scores = rng.dirichlet(np.ones(3), 90)
    classes = ('normal', 'AF', 'other rhythm')
    auc = _evaluate(dict(type='AUCMetric', per_class=True), scores, labels,
                    classes)
    thr = _evaluate(dict(type='ThresholdMetric', per_class=True), scores,
                    labels, classes)
    for name in ('normal', 'AF', 'other_rhythm'):
        assert f'auc/auroc_{name}' in auc and f'auc/prevalence_{name}' in auc
        assert f'thr_acc/sensitivity_{name}' in thr
    assert auc['auc/prevalence_other_rhythm'] == pytest.approx(
        np.mean(labels == 2))


def test_absent_class_is_named():
    scores, labels = _binary()
    with _Messages() as messages:
        _evaluate(dict(type='AUCMetric'), scores, np.zeros_like(labels),
                  ('rest', 'AF'))
    assert any("['AF'] absent" in m for m in messages)


def test_names_of_another_count_fall_back_to_indices_and_warn_once():
    rng = np.random.default_rng(2)
    labels = rng.integers(0, 3, 60)
    scores = rng.dirichlet(np.ones(3), 60)
    metric = METRICS.build(dict(type='AUCMetric', per_class=True,
                                n_bootstrap=5))
    metric.dataset_meta = dict(classes=('a', 'b'))
    with _Messages() as messages:
        metric.process(None, _samples(scores, labels))
        results = metric.evaluate(len(labels))
    assert 'auc/auroc_2' in results
    warned = [m for m in messages if 'names 2 classes' in m]
    assert len(warned) == 1 and 'scores 3' in warned[0]


# ------------------------------------------------------------- DumpResults
def test_dump_results_builds_nl1ds_class_in_the_mmaction_scope(tmp_path):
    init_default_scope('mmaction')
    evaluator = Evaluator(
        [dict(type='DumpResults', out_file_path=str(tmp_path / 'r.pkl'))])
    assert type(evaluator.metrics[0]) is DumpResults
    assert isinstance(evaluator.metrics[0], MMEngineDumpResults)


def test_dump_names_predicted_and_true_classes(tmp_path):
    init_default_scope('mmaction')
    out = tmp_path / 'result.pkl'
    evaluator = Evaluator([dict(type='DumpResults', out_file_path=str(out))])
    evaluator.dataset_meta = dict(classes=('rest', 'AF'))
    scores = np.array([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4]])
    labels = [0, 1, 1]
    samples = []
    for score, label in zip(scores, labels):
        sample = ActionDataSample().set_gt_label(label)
        score = torch.tensor(score, dtype=torch.float32)
        samples.append(
            sample.set_pred_score(score).set_pred_label(
                score.argmax(keepdim=True)))
    evaluator.process(samples)
    assert evaluator.evaluate(3) == {}
    with open(out, 'rb') as f:
        records = pickle.load(f)
    assert [r['pred_class'] for r in records] == ['rest', 'AF', 'rest']
    assert [r['gt_class'] for r in records] == ['rest', 'AF', 'AF']
    # the rest is mmengine's record, unchanged
    assert [int(r['pred_label']) for r in records] == [0, 1, 0]
    torch.testing.assert_close(records[1]['pred_score'],
                               torch.tensor([0.2, 0.8]))


def test_dump_without_matching_names_is_mmengines():
    scores, labels = _binary(n=4)
    plain = _samples(scores, labels)
    assert name_records(_samples(scores, labels), None)[0].keys() == \
        plain[0].keys()
    assert name_records(_samples(scores, labels),
                        dict(classes=('a', 'b', 'c')))[0].keys() == \
        plain[0].keys()
    # a single sigmoid score is binary: two names fit
    record = dict(pred_score=torch.tensor([0.7]), pred_label=torch.tensor(
        [0]), gt_label=torch.tensor([1]))
    assert name_records([record], dict(classes=('neg', 'pos'))) == [
        dict(record, pred_class='neg', gt_class='pos')
    ]
