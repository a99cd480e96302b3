# Copyright (c) nl1d contributors. All rights reserved.
"""Checkpoints are written atomically, resume from the newest complete one,
and say which keys do not fit. (That they cannot run code:
test_checkpoint_attacks.py.)"""
import os
import os.path as osp
import subprocess
import sys
import textwrap

import pytest
import torch

import nl1d  # noqa: F401  # before mmaction.models
from nl1d.models.backbones import ResNet1d
from nl1d.checkpoint import (CheckpointMismatchError, atomic_write,
                             check_state_dict, find_resumable_checkpoint,
                             is_complete_checkpoint)
from tests.tools.tiny_signal_utils import (TINY_CONFIG, run_tool,
                                           write_tiny_dataset)


def test_other_architecture_lists_mismatched_keys(tmp_path):
    model = ResNet1d(depth=18, in_channels=2, base_channels=4)
    other = ResNet1d(depth=34, in_channels=3, base_channels=4)
    with pytest.raises(CheckpointMismatchError) as info:
        check_state_dict(model, other.state_dict(), source='other.pth')
    message = str(info.value)
    assert 'other.pth' in message
    assert 'unexpected keys: layer1.2.conv1' in message  # depth 34 only
    assert 'shape mismatches: conv1.weight (checkpoint (4, 3, 7) vs model ' \
        '(4, 2, 7))' in message
    # the same weights fit, with or without a DDP 'module.' prefix
    check_state_dict(model, model.state_dict())
    check_state_dict(model,
                     {f'module.{k}': v
                      for k, v in model.state_dict().items()})


@pytest.mark.slow
def test_tools_test_lists_mismatched_keys(tmp_path):
    data = write_tiny_dataset(str(tmp_path / 'data'))
    from mmaction.registry import MODELS
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    init_default_scope('mmaction')
    cfg = Config.fromfile(TINY_CONFIG)
    cfg.model.backbone.depth = 34
    path = str(tmp_path / 'r34.pth')
    torch.save({'state_dict': MODELS.build(cfg.model).state_dict()}, path)
    proc = run_tool(['tools/test.py', TINY_CONFIG, path, '--work-dir',
                     str(tmp_path / 'w')], data, check=False)
    assert proc.returncode != 0
    assert 'CheckpointMismatchError' in proc.stderr
    assert 'unexpected keys: backbone.layer1.2.conv1.weight' \
        in proc.stderr


def test_atomic_write_survives_kill_during_write(tmp_path):
    target = str(tmp_path / 'epoch_1.pth')
    torch.save({'w': torch.ones(3)}, target)
    script = textwrap.dedent(f'''
        import os, signal
        from nl1d.checkpoint.save import atomic_write
        os.fsync = lambda fd: os.kill(os.getpid(), signal.SIGKILL)
        atomic_write(b'x' * 1000000, {target!r})
    ''')
    proc = subprocess.run([sys.executable, '-c', script],
                          env=dict(os.environ, PYTHONPATH=os.getcwd()))
    assert proc.returncode == -9
    # the old file is intact
    assert torch.equal(torch.load(target, weights_only=True)['w'],
                       torch.ones(3))
    atomic_write(b'new', str(tmp_path / 'text'))
    with open(tmp_path / 'text', 'rb') as f:
        assert f.read() == b'new'


def test_resumable_checkpoint_skips_broken_files(tmp_path):
    work_dir = str(tmp_path)
    for epoch in (1, 2):
        torch.save({'w': torch.full((1000, ), float(epoch))},
                   osp.join(work_dir, f'epoch_{epoch}.pth'))
    # epoch_3 cut short by a kill, and last_checkpoint pointing at it
    with open(osp.join(work_dir, 'epoch_2.pth'), 'rb') as f:
        head = f.read()[:2000]
    with open(osp.join(work_dir, 'epoch_3.pth'), 'wb') as f:
        f.write(head)
    with open(osp.join(work_dir, 'last_checkpoint'), 'w') as f:
        f.write(osp.join(work_dir, 'epoch_3.pth'))
    assert not is_complete_checkpoint(osp.join(work_dir, 'epoch_3.pth'))
    assert find_resumable_checkpoint(work_dir) == osp.join(
        work_dir, 'epoch_2.pth')
    # a valid pointer is trusted; a pointer to a deleted file is not
    with open(osp.join(work_dir, 'last_checkpoint'), 'w') as f:
        f.write(osp.join(work_dir, 'epoch_1.pth'))
    assert find_resumable_checkpoint(work_dir) == osp.join(
        work_dir, 'epoch_1.pth')
    os.remove(osp.join(work_dir, 'epoch_1.pth'))
    assert find_resumable_checkpoint(work_dir) == osp.join(
        work_dir, 'epoch_2.pth')
    assert find_resumable_checkpoint(str(tmp_path / 'none')) is None


def test_rng_state_needs_no_allow_list(tmp_path):
    from nl1d.engine.hooks.rng_state_hook import get_rng_state, set_rng_state
    state = get_rng_state()
    path = str(tmp_path / 'rng.pth')
    torch.save(state, path)
    assert torch.serialization.get_unsafe_globals_in_checkpoint(path) == []
    import random

    import numpy as np
    expected = (torch.rand(3), np.random.rand(3), random.random())
    set_rng_state(torch.load(path, weights_only=True))
    assert torch.equal(torch.rand(3), expected[0])
    assert np.array_equal(np.random.rand(3), expected[1])
    assert random.random() == expected[2]
