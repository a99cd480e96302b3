# Copyright (c) nl1d contributors. All rights reserved.
"""Score fusion: nl1d.evaluation.score_fusion and tools/analysis/
fuse_scores.py (thresholds chosen on the fused validation dumps)."""
import importlib.util
import json
import os.path as osp
import sys

import mmengine
import numpy as np
import pytest
import torch

import nl1d  # noqa: F401
from nl1d.evaluation.baseline_eval import binary_samples
from nl1d.evaluation.score_fusion import fuse_samples
from tests.tools.tiny_signal_utils import EVAL_CONFIG, REPO
from tests.tools.tiny_signal_utils import write_tiny_dataset


def _tool():
    path = osp.join(REPO, 'tools', 'analysis', 'fuse_scores.py')
    spec = importlib.util.spec_from_file_location('_nl1d_fuse_scores', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


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
        for name, probs in (('a', a), ('b', b)):
            path = str(tmp_path / f'{name}_{split}.pkl')
            mmengine.dump(binary_samples(probs, labels, files), path)
            dumps[name, split] = path
    out, dump = tmp_path / 'metrics.json', tmp_path / 'fused.pkl'
    tool = _tool()
    metrics = tool.main([
        str(config), '--preds', dumps['a', 'test'], dumps['b', 'test'],
        '--val-preds', dumps['a', 'val'], dumps['b', 'val'],
        '--coefficients', '1', '0', '--out', str(out), '--dump', str(dump)])
    # weight 0 on b: a alone, which separates the classes
    assert metrics['auc/auroc'] == pytest.approx(1.0)
    assert metrics['thr_acc/accuracy'] == pytest.approx(1.0)
    # Youden on val's fused scores picks a's lowest positive (0.71)
    assert metrics['thr_acc/threshold'] == pytest.approx(0.71)
    assert json.loads(out.read_text()) == pytest.approx(metrics)
    assert len(mmengine.load(str(dump))) == 8
    fixed = tool.main([str(config), '--preds', dumps['a', 'test'],
                       dumps['b', 'test'], '--threshold', '0.99'])
    assert fixed['thr_acc/threshold'] == 0.99
    assert fixed['thr_acc/sensitivity'] == 0.0
    # test dumps given as validation dumps are named in the error
    with pytest.raises(ValueError, match='val.txt'):
        tool.main([str(config), '--preds', dumps['a', 'test'],
                   dumps['b', 'test'], '--val-preds', dumps['a', 'test'],
                   dumps['b', 'test']])
    with pytest.raises(FileNotFoundError, match='--preds missing.pkl'):
        tool.main([str(config), '--preds', 'missing.pkl', dumps['b', 'test'],
                   '--threshold', '0.5'])
    sys.modules.pop('_nl1d_fuse_scores', None)
