# Copyright (c) nl1d contributors. All rights reserved.
"""The threshold round trip: chosen on validation, saved with the
checkpoint, applied unchanged at test."""
import glob
import itertools
import os.path as osp

import numpy as np
import pytest
import torch
from torch import nn
from torch.utils.data import Dataset

import nl1d
from mmaction.structures import ActionDataSample
from mmengine.model import BaseModel
from mmengine.runner import Runner
from nl1d.engine import ThresholdHook
from nl1d.evaluation.metrics import select_threshold
from nl1d.checkpoint import safe_load

# as nl1d's tools do: mmengine's loaders read through nl1d's
nl1d.setup_env()


class _Records(Dataset):
    """1-feature records whose label depends noisily on the feature."""

    def __init__(self, n, seed):
        rng = np.random.default_rng(seed)
        self.labels = rng.integers(0, 2, n)
        self.x = (rng.normal(size=n) + 1.5 * self.labels).astype(np.float32)

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        sample = ActionDataSample().set_gt_label(int(self.labels[i]))
        return dict(inputs=torch.tensor([self.x[i]]), data_samples=sample)


class _Logistic(BaseModel):

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(1, 2)

    def forward(self, inputs, data_samples=None, mode='tensor'):
        logits = self.fc(torch.stack(inputs))  # (N, 2)
        if mode == 'loss':
            labels = torch.cat([d.gt_label for d in data_samples])
            return dict(loss=nn.functional.cross_entropy(logits, labels))
        for sample, score in zip(data_samples, logits.softmax(1)):
            sample.set_pred_score(score)
        return data_samples


def _loader(dataset):
    return dict(dataset=dataset, batch_size=16, num_workers=0,
                sampler=dict(type='DefaultSampler', shuffle=False),
                collate_fn=dict(type='pseudo_collate'))


_RUN_IDS = itertools.count()


def _runner(work_dir, test_cfg, checkpoint=None, **kwargs):
    default_hooks = dict(logger=dict(type='LoggerHook', interval=1))
    if checkpoint is not None:
        default_hooks['checkpoint'] = checkpoint
    return Runner(
        model=_Logistic(),
        work_dir=str(work_dir),
        test_dataloader=_loader(_Records(80, seed=2)),
        test_evaluator=test_cfg,
        test_cfg=dict(),
        default_scope='mmaction',
        custom_hooks=[dict(type='ThresholdHook')],
        default_hooks=default_hooks,
        env_cfg=dict(dist_cfg=dict(backend='gloo')),
        randomness=dict(seed=0),
        # two runners may start within one second: distinct names
        experiment_name=f'threshold_hook_{next(_RUN_IDS)}',
        **kwargs)


def test_validation_threshold_round_trip(tmp_path, capsys):
    val_set = _Records(60, seed=1)
    train = _runner(
        tmp_path / 'train',
        [dict(type='ThresholdMetric', frozen=True)],
        train_dataloader=_loader(_Records(64, seed=0)),
        val_dataloader=_loader(val_set),
        val_evaluator=[dict(type='AUCMetric'), dict(type='ThresholdMetric')],
        train_cfg=dict(by_epoch=True, max_epochs=2, val_interval=1),
        val_cfg=dict(),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.5)))
    hook = next(h for h in train.hooks if isinstance(h, ThresholdHook))
    train.train()

    # What validation chose at the last epoch, recomputed by hand:
    model = train.model
    with torch.no_grad():
        scores = model.fc(torch.tensor(val_set.x)[:, None]).softmax(1)
    expected = select_threshold(scores[:, 1].double().numpy(),
                                val_set.labels)
    stored = hook.thresholds['thr_acc']
    assert stored['threshold'] == pytest.approx(expected, rel=1e-6)
    assert stored['epoch'] == 2 and stored['select'] == 'youden'

    # a checkpoint saved now carries it, readable by nl1d's weights-only
    # loader (the runner's message hub needs its HistoryBuffer stand-in)
    train.save_checkpoint(str(tmp_path / 'train'), 'final.pth',
                          by_epoch=False)
    ckpt_path = str(tmp_path / 'train' / 'final.pth')
    ckpt = safe_load(ckpt_path)
    assert ckpt['meta']['thresholds']['thr_acc'] == stored

    # test: a fresh runner loads it and applies it unchanged
    capsys.readouterr()
    test = _runner(tmp_path / 'test',
                   [dict(type='ThresholdMetric', frozen=True)],
                   load_from=ckpt_path)
    metrics = test.test()
    assert metrics['thr_acc/threshold'] == stored['threshold']
    log = capsys.readouterr().out
    expected_source = ("frozen: chosen on validation by Youden's J at epoch "
                       f'2 (iteration 8), loaded from checkpoint {ckpt_path}')
    assert test.test_evaluator.metrics[0].threshold_source == expected_source
    assert f'Threshold {stored["threshold"]:.6g}: {expected_source}.' in log


def test_best_checkpoint_holds_its_own_validation_threshold(tmp_path):
    train = _runner(
        tmp_path / 'train',
        [dict(type='ThresholdMetric', frozen=True)],
        train_dataloader=_loader(_Records(64, seed=0)),
        val_dataloader=_loader(_Records(60, seed=1)),
        val_evaluator=[dict(type='AUCMetric'),
                       dict(type='ThresholdMetric', select='sensitivity',
                            target=0.9)],
        train_cfg=dict(by_epoch=True, max_epochs=3, val_interval=1),
        val_cfg=dict(),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.5)),
        checkpoint=dict(type='CheckpointHook', interval=1,
                        save_best='auc/auroc'))
    seen = {}
    hook = next(h for h in train.hooks if isinstance(h, ThresholdHook))
    original = hook.after_val_epoch

    def spy(runner, metrics=None):
        original(runner, metrics)
        seen[runner.epoch] = metrics['thr_acc/threshold']

    hook.after_val_epoch = spy
    train.train()
    best = glob.glob(str(tmp_path / 'train' / 'best_auc_auroc_epoch_*.pth'))
    assert len(best) == 1
    epoch = int(osp.basename(best[0]).split('_')[-1][:-4])
    ckpt = safe_load(best[0])
    entry = ckpt['meta']['thresholds']['thr_acc']
    assert entry['epoch'] == epoch == ckpt['meta']['epoch']
    assert entry['threshold'] == seen[epoch]
    assert entry['select'] == 'sensitivity' and entry['target'] == 0.9
    # a periodic checkpoint precedes its epoch's validation: flagged
    periodic = str(tmp_path / 'train' / 'epoch_2.pth')
    assert safe_load(periodic)['meta']['thresholds'][
        'thr_acc']['epoch'] == 1
    test = _runner(tmp_path / 'test',
                   [dict(type='ThresholdMetric', frozen=True)],
                   load_from=periodic)
    test.test()
    metric = test.test_evaluator.metrics[0]
    assert metric.threshold == seen[1]
    assert 'weights are of epoch 2' in metric.threshold_source


def _test_log(hook, capsys, prefix='thr_acc'):
    """What ``before_test`` logs for one test ThresholdMetric."""
    from types import SimpleNamespace

    from mmengine.evaluator import Evaluator
    from mmengine.logging import MMLogger
    MMLogger.get_instance(f'threshold_hook_{next(_RUN_IDS)}')
    evaluator = Evaluator([dict(type='ThresholdMetric', prefix=prefix)])
    capsys.readouterr()
    hook.before_test(SimpleNamespace(test_evaluator=evaluator))
    captured = capsys.readouterr()
    return captured.out + captured.err


def test_no_prefix_warning_without_stored_thresholds(capsys):
    """A multi-class model stores no threshold (its ThresholdMetric takes
    the top class): matching prefixes are not flagged."""
    hook = ThresholdHook()
    hook.after_load_checkpoint(None, dict(meta=dict(epoch=3)))
    assert 'same prefix' not in _test_log(hook, capsys)


def test_prefix_mismatch_is_flagged(capsys):
    hook = ThresholdHook()
    hook.after_load_checkpoint(None, dict(meta=dict(thresholds=dict(
        val_thr=dict(threshold=0.3, select='youden', target=None,
                     fixed=False, epoch=1, iter=4)))))
    log = _test_log(hook, capsys)
    assert "thresholds for ['val_thr'] but none for the test " \
        'ThresholdMetric `thr_acc`' in log
    assert 'same prefix' in log


def test_the_entry_fields_are_those_the_literal_check_accepts():
    """What ThresholdHook writes (ENTRY_FIELDS) is what init_recognizer and
    the ONNX metadata check accept, field for field."""
    from nl1d.apis.onnx_metadata import _THRESHOLD_KEYS
    from nl1d.evaluation.metrics.thresholds import ENTRY_FIELDS
    assert set(_THRESHOLD_KEYS) == set(ENTRY_FIELDS)
