# Copyright (c) nl1d contributors. All rights reserved.
"""tools/quickstart_config.py (nl1d.engine.run_config): the quick start's
config is the given config plus ProgressBarHook, with the schedule
shortened consistently."""
import os.path as osp

import pytest
from mmengine.config import Config

from nl1d.engine.run_config import shorten_schedule
from tests.tools.tiny_signal_utils import REPO, run_tool


def test_shorten_schedule_keeps_warmup_and_relative_steps():
    warmup_cosine = [
        dict(type='LinearLR', begin=0, end=1),
        dict(type='CosineAnnealingLR', T_max=39, begin=1, end=40)
    ]
    assert shorten_schedule(warmup_cosine, 40, 8) == [
        dict(type='LinearLR', begin=0, end=1),
        dict(type='CosineAnnealingLR', T_max=7, begin=1, end=8)
    ]
    steps = [dict(type='MultiStepLR', begin=0, end=50, milestones=[30, 40])]
    assert shorten_schedule(steps, 50, 8) == [
        dict(type='MultiStepLR', begin=0, end=8, milestones=[5, 6])
    ]
    # one epoch leaves no room for a step
    assert shorten_schedule(steps, 50, 1) == [
        dict(type='MultiStepLR', begin=0, end=1, milestones=[])
    ]


@pytest.mark.slow
def test_written_config_adds_the_hook_and_keeps_the_rest(tmp_path):
    base = osp.join(REPO, 'configs', 'nl1d', 'nl_r18_res5_8xb32_signal.py')
    out = str(tmp_path / 'quick.py')
    run_tool(['tools/quickstart_config.py', base, out, '--epochs', '3'],
             str(tmp_path))
    cfg, original = Config.fromfile(out), Config.fromfile(base)
    hooks = [h['type'] for h in cfg.custom_hooks]
    assert hooks == [h['type'] for h in original.custom_hooks
                     ] + ['ProgressBarHook']
    assert 'nl1d' in cfg.custom_imports.imports
    assert cfg.train_cfg.max_epochs == 3
    assert all(s['end'] <= 3 for s in cfg.param_scheduler)
    assert cfg.model == original.model
    assert cfg.optim_wrapper == original.optim_wrapper
