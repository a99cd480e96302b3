# Copyright (c) nl1d contributors. All rights reserved.
"""``tools/train.py --amp`` on a GPU, end to end: float16 with mmengine's
``AmpOptimWrapper`` and dynamic loss scaling, then ``tools/test.py`` and
``--resume`` from the checkpoint that holds the loss scaler's state (loaded
with torch's weights-only unpickler, like every nl1d checkpoint).

Skipped without CUDA; ``tests/engine/optimizers/test_bf16_optim_wrapper.py``
covers what ``--amp`` does on a CPU.
"""
import glob
import json
import os.path as osp
import pickle

import numpy as np
import pytest
import torch

from nl1d.checkpoint import safe_load
from tests.tools.test_train_test_e2e import (CONFIG, NUM_TEST, ROOT, SMALL,
                                             _run, train_demo)

pytestmark = [
    pytest.mark.cuda,
    pytest.mark.skipif(not torch.cuda.is_available(),
                       reason='needs a CUDA device')
]


@pytest.fixture(scope='module')
def trained(tmp_path_factory):
    cwd = tmp_path_factory.mktemp('amp')
    work_dir, log = train_demo(cwd, '--amp')
    return cwd, work_dir, log


def test_amp_trains_in_float16_with_loss_scaling(trained):
    _, work_dir, _ = trained
    with open(work_dir / 'nl_r18_res5_8xb32_signal.py') as f:
        dumped = f.read()
    assert "type='AmpOptimWrapper'" in dumped
    assert "loss_scale='dynamic'" in dumped
    ckpt = safe_load(str(work_dir / 'epoch_1.pth'))
    scaler = ckpt['optimizer']['loss_scaler']
    assert scaler['scale'] > 0
    # weights stay float32; only the computation ran in float16
    assert all(v.dtype == torch.float32
               for k, v in ckpt['state_dict'].items()
               if v.is_floating_point())
    scalars = glob.glob(str(work_dir / '*' / 'vis_data' / 'scalars.json'))
    with open(scalars[0]) as f:
        losses = [json.loads(line)['loss'] for line in f if '"loss"' in line]
    assert losses and np.isfinite(losses).all()


def test_test_and_resume_load_the_amp_checkpoint(trained):
    cwd, work_dir, _ = trained
    dump = cwd / 'result.pkl'
    log = _run([
        osp.join(ROOT, 'tools', 'test.py'), CONFIG,
        str(work_dir / 'epoch_1.pth'), '--work-dir',
        str(cwd / 'test_work'), '--dump',
        str(dump), '--cfg-options'
    ] + SMALL, cwd)
    assert 'auc/auroc' in log
    with open(dump, 'rb') as f:
        results = pickle.load(f)
    assert len(results) == NUM_TEST
    assert all(np.isfinite(np.asarray(r['pred_score'])).all()
               for r in results)
    log = _run([
        osp.join(ROOT, 'tools', 'train.py'), CONFIG, '--work-dir',
        str(work_dir), '--seed', '0', '--amp', '--resume', '--cfg-options',
        'train_cfg.max_epochs=2'
    ] + SMALL, cwd)
    assert 'resumed epoch: 1' in log, log[-3000:]
    assert osp.isfile(work_dir / 'epoch_2.pth')
