# Copyright (c) nl1d contributors. All rights reserved.
"""AtomicCheckpointHook's tie rules: with ``greater_or_equal`` /
``less_or_equal`` an epoch that equals the best score becomes the best
checkpoint (the later epoch wins a tie); ``greater`` / ``less`` keep
mmengine's strict meaning (the earlier epoch wins)."""
import itertools
import os

import pytest
import torch
from mmaction.registry import METRICS
from mmaction.structures import ActionDataSample
from mmengine.evaluator import BaseMetric
from mmengine.model import BaseModel
from mmengine.runner import Runner
from torch import nn
from torch.utils.data import Dataset

import nl1d  # noqa: F401
from nl1d.checkpoint.hook import AtomicCheckpointHook

_RUN_IDS = itertools.count()


@METRICS.register_module(force=True)
class _TiedScoreMetric(BaseMetric):
    """The same score every epoch, as a tiny validation set often gives."""
    default_prefix = 'tied'

    def process(self, data_batch, data_samples):
        self.results.extend(data_samples)

    def compute_metrics(self, results):
        return dict(acc=0.75, loss=0.25)


class _Records(Dataset):

    def __len__(self):
        return 8

    def __getitem__(self, i):
        return dict(inputs=torch.tensor([float(i)]),
                    data_samples=ActionDataSample().set_gt_label(i % 2))


class _Linear(BaseModel):

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(1, 2)

    def forward(self, inputs, data_samples=None, mode='tensor'):
        logits = self.fc(torch.stack(inputs))
        if mode == 'loss':
            labels = torch.cat([d.gt_label for d in data_samples])
            return dict(loss=nn.functional.cross_entropy(logits, labels))
        return data_samples


def _loader():
    return dict(dataset=_Records(), batch_size=4, num_workers=0,
                sampler=dict(type='DefaultSampler', shuffle=False),
                collate_fn=dict(type='pseudo_collate'))


def _best_files(work_dir, save_best, rule):
    runner = Runner(
        model=_Linear(),
        work_dir=str(work_dir),
        train_dataloader=_loader(),
        val_dataloader=_loader(),
        val_evaluator=dict(type='_TiedScoreMetric'),
        train_cfg=dict(by_epoch=True, max_epochs=3, val_interval=1),
        val_cfg=dict(),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.1)),
        default_scope='mmaction',
        default_hooks=dict(checkpoint=dict(
            type='AtomicCheckpointHook', interval=1, save_best=save_best,
            rule=rule)),
        env_cfg=dict(dist_cfg=dict(backend='gloo')),
        experiment_name=f'ties_{next(_RUN_IDS)}')
    runner.train()
    return sorted(f for f in os.listdir(work_dir) if f.startswith('best_'))


@pytest.mark.parametrize('save_best, rule, epoch', [
    ('tied/acc', 'greater', 1),
    ('tied/acc', 'greater_or_equal', 3),
    ('tied/loss', 'less', 1),
    ('tied/loss', 'less_or_equal', 3),
])
def test_ties_keep_the_later_epoch_with_or_equal_rules(
        tmp_path, save_best, rule, epoch):
    name = save_best.replace('/', '_')
    assert _best_files(tmp_path, save_best, rule) == [
        f'best_{name}_epoch_{epoch}.pth'
    ]


def test_rule_map_and_inference():
    hook = AtomicCheckpointHook(interval=1, save_best='auc/auroc',
                                rule='greater_or_equal')
    assert hook.is_better_than['auc/auroc'](0.9, 0.9)
    assert not hook.is_better_than['auc/auroc'](0.8, 0.9)
    assert not hook.is_better_than['auc/auroc'](float('nan'), 0.9)
    hook = AtomicCheckpointHook(interval=1, save_best='loss',
                                rule='less_or_equal')
    assert hook.is_better_than['loss'](0.5, 0.5)
    assert not hook.is_better_than['loss'](0.6, 0.5)
    # mmengine's names and the inferred rule are unchanged (strict)
    for rule in ('greater', None):
        hook = AtomicCheckpointHook(interval=1, save_best='auc/auroc',
                                    rule=rule)
        assert not hook.is_better_than['auc/auroc'](0.9, 0.9)
    with pytest.raises(KeyError, match='rule must be'):
        AtomicCheckpointHook(interval=1, save_best='acc', rule='bigger')
