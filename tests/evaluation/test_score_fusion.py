# Copyright (c) nl1d contributors. All rights reserved.
"""Score fusion: nl1d.evaluation.score_fusion and nl1d.analysis.fusion
(tools/analysis/fuse_scores.py: thresholds chosen on the fused validation
dumps)."""
import json
import os.path as osp

import mmengine
import numpy as np
import pytest
import torch

import nl1d  # noqa: F401
from nl1d.analysis.fusion import fuse_dumps
from nl1d.evaluation.baseline_eval import binary_samples
from nl1d.evaluation.results import load_results, save_results
from nl1d.evaluation.score_fusion import (choose_coefficients,
                                          coefficient_grid, fuse_samples)
from tests.tools.tiny_signal_utils import EVAL_CONFIG, write_tiny_dataset


def _four_class(scores, labels, files):
    return [dict(pred_score=torch.tensor(s, dtype=torch.float32),
                 pred_label=torch.tensor(int(np.argmax(s))),
                 gt_label=torch.tensor([label]), filename=f)
            for s, label, f in zip(scores, labels, files)]


def test_weighted_mean_of_the_class_scores():
    files = ['a.npy', 'b.npy']
    one = _four_class([[0.7, 0.1, 0.1, 0.1], [0.1, 0.6, 0.2, 0.1]], [0, 1],
                      files)
    two = _four_class([[0.1, 0.7, 0.1, 0.1], [0.1, 0.2, 0.6, 0.1]], [0, 1],
                      files)
    fused = fuse_samples([one, two], [3, 1])
    torch.testing.assert_close(fused[0]['pred_score'],
                               torch.tensor([0.55, 0.25, 0.1, 0.1]))
    assert [int(s['pred_label']) for s in fused] == [0, 1]
    assert fused[1]['filename'] == 'b.npy'
    # the inputs are not changed
    assert one[0]['pred_score'][0] == pytest.approx(0.7)
    equal = fuse_samples([one, two])
    torch.testing.assert_close(equal[0]['pred_score'],
                               torch.tensor([0.4, 0.4, 0.1, 0.1]))


def test_geometric_mean_averages_the_log_odds():
    files = ['a.npy', 'b.npy']
    net = binary_samples(np.array([0.999, 0.02]), np.array([1, 0]), files)
    rr = binary_samples(np.array([0.2, 0.6]), np.array([1, 0]), files)
    fused = fuse_samples([net, rr], [0.7, 0.3], mean='geometric')
    logit = lambda p: np.log(p / (1 - p))  # noqa: E731
    for k, (p, q) in enumerate(((0.999, 0.2), (0.02, 0.6))):
        expected = 1 / (1 + np.exp(-(0.7 * logit(p) + 0.3 * logit(q))))
        assert float(fused[k]['pred_score'][1]) == pytest.approx(expected,
                                                                 rel=1e-5)
        assert float(fused[k]['pred_score'].sum()) == pytest.approx(1.0)
    # an exact 0 or 1 does not give NaN
    sure = binary_samples(np.array([1.0, 0.0]), np.array([1, 0]), files)
    assert torch.isfinite(
        fuse_samples([sure, rr], mean='geometric')[1]['pred_score']).all()
    with pytest.raises(ValueError, match='--mean .*arithmetic'):
        fuse_samples([net, rr], mean='harmonic')


def test_one_class_against_the_rest_fuses_four_and_two_classes():
    """A four-rhythm network (AF = class 1) and a binary AF baseline, both
    dumped on the binary labels: the fusion of their P(AF)."""
    files = ['a.npy', 'b.npy']
    net = _four_class([[0.1, 0.6, 0.2, 0.1], [0.5, 0.1, 0.3, 0.1]], [1, 0],
                      files)
    rr = binary_samples(np.array([0.8, 0.4]), np.array([1, 0]), files)
    with pytest.raises(ValueError, match='same task'):
        fuse_samples([net, rr])  # 4 and 2 classes
    fused = fuse_samples([net, rr], positive_class=1)
    torch.testing.assert_close(fused[0]['pred_score'],
                               torch.tensor([0.3, 0.7]))
    torch.testing.assert_close(fused[1]['pred_score'],
                               torch.tensor([0.75, 0.25]))
    assert [int(s['gt_label'][0]) for s in fused] == [1, 0]
    # four-class labels become the class against the rest
    four = _four_class([[0.1, 0.6, 0.2, 0.1], [0.1, 0.1, 0.7, 0.1]], [1, 2],
                       files)
    fused = fuse_samples([four, four], positive_class=1)
    assert [int(s['gt_label'][0]) for s in fused] == [1, 0]
    with pytest.raises(ValueError, match='positive class 3 does not exist'):
        fuse_samples([net, rr], positive_class=3)


def test_weights_chosen_on_validation():
    grid = coefficient_grid(2)
    assert len(grid) == 11 and grid[0] == (0.5, 0.5)
    assert all(sum(w) == pytest.approx(1) for w in coefficient_grid(3))
    assert len(coefficient_grid(3)) == 66
    with pytest.raises(ValueError, match='divides 1'):
        coefficient_grid(2, 0.3)
    labels = np.array([0, 1, 0, 1, 0, 1])
    files = [f'{i}.npy' for i in range(6)]
    # a ranks record 5 below record 4, b record 3 below record 0; their
    # mean separates the classes
    a = binary_samples(np.array([.1, .9, .2, .8, .5, .4]), labels, files)
    b = binary_samples(np.array([.6, .9, .2, .5, .1, .9]), labels, files)
    from sklearn.metrics import roc_auc_score

    def auroc(samples):
        return roc_auc_score([int(s['gt_label'][0]) for s in samples],
                             [float(s['pred_score'][1]) for s in samples])

    weights, best = choose_coefficients([a, b], auroc)
    assert best == pytest.approx(
        max(auroc(fuse_samples([a, b], w)) for w in grid))
    assert best == pytest.approx(1.0) and 0 < weights[0] < 1
    # a tie goes to the weights nearest to equal ones
    assert choose_coefficients([a, a], auroc)[0] == (0.5, 0.5)


def test_dumps_that_do_not_match_are_refused():
    a = binary_samples(np.array([0.2, 0.9]), np.array([0, 1]),
                       ['a.npy', 'b.npy'])
    other_order = binary_samples(np.array([0.9, 0.2]), np.array([1, 0]),
                                 ['b.npy', 'a.npy'])
    shorter = a[:1]
    relabelled = binary_samples(np.array([0.2, 0.9]), np.array([1, 1]),
                                ['a.npy', 'b.npy'])
    with pytest.raises(ValueError, match='at least two'):
        fuse_samples([a])
    with pytest.raises(ValueError, match='y.pkl holds 1 records'):
        fuse_samples([a, shorter], names=['x.pkl', 'y.pkl'])
    with pytest.raises(ValueError, match='different records or orders'):
        fuse_samples([a, other_order])
    with pytest.raises(ValueError, match='same task'):
        fuse_samples([a, relabelled])
    with pytest.raises(ValueError, match='one non-negative weight'):
        fuse_samples([a, a], [1, -1])
    with pytest.raises(ValueError, match='one non-negative weight'):
        fuse_samples([a, a], [1])


def test_the_tool_freezes_the_fused_validation_threshold(tmp_path):
    root = write_tiny_dataset(str(tmp_path / 'data'), num_val=6,
                              num_test=8)
    config = tmp_path / 'fuse_config.py'
    config.write_text(EVAL_CONFIG.format(root=root))
    dumps = {}
    for split, count in (('val', 6), ('test', 8)):
        labels = np.arange(count) % 2
        files = [osp.join(root, f'signals/{split}_{i:03d}.npy')
                 for i in range(count)]
        # model a ranks well, model b is noise; b's scores are all higher
        a = 0.1 + 0.6 * labels + 0.01 * np.arange(count)
        b = 0.5 + 0.3 * np.random.default_rng(count).random(count)
        # a's dumps are .json, b's mmengine's .pkl: both formats fuse
        for name, probs, suffix in (('a', a, 'json'), ('b', b, 'pkl')):
            path = str(tmp_path / f'{name}_{split}.{suffix}')
            save_results(binary_samples(probs, labels, files), path)
            dumps[name, split] = path
    out, dump = tmp_path / 'metrics.json', tmp_path / 'fused.json'
    metrics = fuse_dumps(
        str(config), [dumps['a', 'test'], dumps['b', 'test']],
        val_preds=[dumps['a', 'val'], dumps['b', 'val']],
        coefficients=[1, 0], out=str(out), dump=str(dump))
    # weight 0 on b: a alone, which separates the classes
    assert metrics['auc/auroc'] == pytest.approx(1.0)
    assert metrics['thr_acc/accuracy'] == pytest.approx(1.0)
    # Youden on val's fused scores picks a's lowest positive (0.71)
    assert metrics['thr_acc/threshold'] == pytest.approx(0.71)
    assert json.loads(out.read_text()) == pytest.approx(metrics)
    fused = load_results(str(dump))
    assert len(fused) == 8 and fused[0]['pred_score'].dtype == torch.float32
    fixed = fuse_dumps(str(config), [dumps['a', 'test'], dumps['b', 'test']],
                       threshold=0.99)
    assert fixed['thr_acc/threshold'] == 0.99
    assert fixed['thr_acc/sensitivity'] == 0.0
    # test dumps given as validation dumps are named in the error
    with pytest.raises(ValueError, match='val.txt'):
        fuse_dumps(str(config), [dumps['a', 'test'], dumps['b', 'test']],
                   val_preds=[dumps['a', 'test'], dumps['b', 'test']])
    with pytest.raises(FileNotFoundError, match='--preds missing.pkl'):
        fuse_dumps(str(config), ['missing.pkl', dumps['b', 'test']],
                   threshold=0.5)


def test_the_tool_chooses_weights_on_validation_one_class_vs_rest(tmp_path):
    """A four-class model (class 1 positive) and a binary one, dumped on the
    binary labels; the config evaluates class 1 against the rest and ranks
    checkpoints by AUROC: the weights are chosen on the validation dumps."""
    root = write_tiny_dataset(str(tmp_path / 'data'), num_val=8,
                              num_test=8)
    config = tmp_path / 'fuse_config.py'
    config.write_text(EVAL_CONFIG.format(root=root).replace(
        "dict(type='AUCMetric'", "dict(type='AUCMetric', positive_class=1"
    ).replace("dict(type='ThresholdMetric'",
              "dict(type='ThresholdMetric', positive_class=1") +
        "default_hooks = dict(checkpoint=dict(save_best='auc/auroc'))\n")
    dumps = {}
    for split in ('val', 'test'):
        labels = np.arange(8) % 2
        files = [osp.join(root, f'signals/{split}_{i:03d}.npy')
                 for i in range(8)]
        # the network ranks positive 7 below negative 6, the baseline
        # positive 1 below negative 0; log-odds mixes with 0.3-0.7 on the
        # network rank every pair right
        net = 0.1 + 0.6 * labels
        net[6], net[7] = 0.5, 0.3
        base = 0.2 + 0.5 * labels
        base[0], base[1] = 0.6, 0.4
        scores = [[(1 - p) / 2, p, (1 - p) / 2, 0.0] for p in net]
        for name, samples in (
                ('net', _four_class(scores, labels, files)),
                ('base', binary_samples(base, labels, files))):
            path = str(tmp_path / f'{name}_{split}.pkl')
            mmengine.dump(samples, path)
            dumps[name, split] = path
    preds = [dumps['net', 'test'], dumps['base', 'test']]
    val_preds = [dumps['net', 'val'], dumps['base', 'val']]
    metrics = fuse_dumps(str(config), preds, val_preds=val_preds,
                         mean='geometric', choose_coefficients=True,
                         val_dump=str(tmp_path / 'fv.json'))
    # either alone misranks a pair; the chosen mix separates both splits
    assert metrics['fusion/val_auc/auroc'] == pytest.approx(1.0)
    assert metrics['auc/auroc'] == pytest.approx(1.0)
    assert 0 < metrics['fusion/weight_0'] < 1
    assert metrics['fusion/weight_0'] + metrics['fusion/weight_1'] == \
        pytest.approx(1.0)
    fused_val = load_results(str(tmp_path / 'fv.json'))
    assert len(fused_val) == 8 and fused_val[0]['pred_score'].shape == (2, )
    with pytest.raises(ValueError, match='--choose-coefficients .*--val'):
        fuse_dumps(str(config), preds, choose_coefficients=True,
                   threshold=0.5)
    with pytest.raises(ValueError, match='save_best'):
        fuse_dumps(str(config), preds, val_preds=val_preds,
                   choose_coefficients=True,
                   cfg_options={'default_hooks.checkpoint.save_best': None})
