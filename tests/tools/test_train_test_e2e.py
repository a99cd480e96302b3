# Copyright (c) nl1d contributors. All rights reserved.
"""End to end, as a user runs it: demo data -> tools/train.py (a short
epoch) -> tools/test.py --dump -> result.pkl, then --resume.

The tools run in subprocesses from a temporary working directory holding
``data/demo``, so the configs are used exactly as written; only the length
of the run and the loader workers are overridden.
"""
import glob
import json
import os.path as osp
import pickle
import re
import subprocess
import sys

import numpy as np
import pytest
import torch

# end-to-end runs of the tools: the full suite (tools/run_tests.sh) only
pytestmark = pytest.mark.slow

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = osp.join(ROOT, 'configs', 'nl1d', 'nl_r18_res5_8xb32_signal.py')
NUM_TRAIN, NUM_VAL, NUM_TEST = 8, 4, 6
SMALL = [
    'train_dataloader.batch_size=4', 'val_dataloader.batch_size=4',
    'train_dataloader.num_workers=0', 'val_dataloader.num_workers=0',
    'test_dataloader.num_workers=0',
    'train_dataloader.persistent_workers=False',
    'val_dataloader.persistent_workers=False',
    'test_dataloader.persistent_workers=False'
]


def _run(args, cwd):
    proc = subprocess.run([sys.executable] + args, cwd=cwd,
                          capture_output=True, text=True, timeout=600)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-6000:]
    return out


def train_demo(cwd, *train_args):
    """Demo data in ``cwd`` + one short epoch of the demo config there
    (``train_args`` added to tools/train.py's): ``(work_dir, log)``."""
    _run([
        osp.join(ROOT, 'tools', 'data', 'demo', 'generate_demo.py'), '--out',
        'data/demo', '--seed', '1', '--num-records',
        str(NUM_TRAIN), str(NUM_VAL), str(NUM_TEST)
    ], cwd)
    work_dir = cwd / 'work'
    log = _run([
        osp.join(ROOT, 'tools', 'train.py'), CONFIG, '--work-dir',
        str(work_dir), '--seed', '0', *train_args, '--cfg-options',
        'train_cfg.max_epochs=1'
    ] + SMALL, cwd)
    return work_dir, log


@pytest.fixture(scope='module')
def trained(tmp_path_factory):
    """Demo data + one short epoch of training with --auto-scale-lr."""
    cwd = tmp_path_factory.mktemp('e2e')
    work_dir, log = train_demo(cwd, '--auto-scale-lr')
    return cwd, work_dir, log


def test_train_outputs_land_in_work_dir(trained):
    _, work_dir, log = trained
    assert osp.isfile(work_dir / 'epoch_1.pth')
    best = glob.glob(str(work_dir / 'best_auc_auroc_epoch_*.pth'))
    assert len(best) == 1, 'the best checkpoint is chosen by auc/auroc'
    assert osp.isfile(work_dir / 'nl_r18_res5_8xb32_signal.py'), \
        'the dumped config'
    scalars = glob.glob(str(work_dir / '*' / 'vis_data' / 'scalars.json'))
    assert scalars, 'json logs'
    with open(scalars[0]) as f:
        records = [json.loads(line) for line in f]
    assert any('auc/auroc' in r for r in records)
    assert any('loss' in r for r in records)


def test_auto_scale_lr_uses_total_batch(trained):
    """--auto-scale-lr scales lr by (world size x batch) / base_batch_size:
    here 1 process x 4 / 256 of the config's lr."""
    from mmengine.config import Config
    base_lr = Config.fromfile(CONFIG).optim_wrapper.optimizer.lr
    _, work_dir, log = trained
    assert re.search(r'LR is set based on batch size of 256 and the '
                     r'current batch size is 4\.', log) or \
        'Scaling the original LR by 0.015625' in log, log[-3000:]
    scalars = glob.glob(str(work_dir / '*' / 'vis_data' / 'scalars.json'))
    with open(scalars[0]) as f:
        lrs = [json.loads(line)['lr'] for line in f if '"lr"' in line]
    assert lrs and np.allclose(lrs[0], base_lr * 4 / 256)


def test_dump_holds_clip_averaged_scores(trained, monkeypatch):
    """tools/test.py --dump: one entry per test record whose pred_score is
    the mean over its 5 test windows of the softmax of each window."""
    cwd, work_dir, _ = trained
    best = glob.glob(str(work_dir / 'best_auc_auroc_epoch_*.pth'))[0]
    dump = cwd / 'result.pkl'
    log = _run([
        osp.join(ROOT, 'tools', 'test.py'), CONFIG, best, '--work-dir',
        str(cwd / 'test_work'), '--dump',
        str(dump), '--cfg-options'
    ] + SMALL, cwd)
    assert 'auc/auroc' in log and 'auc/auprc' in log
    with open(dump, 'rb') as f:
        results = pickle.load(f)
    assert isinstance(results, list) and len(results) == NUM_TEST

    with open(cwd / 'data' / 'demo' / 'test.txt') as f:
        labels = [int(line.split()[2]) for line in f]
    assert [int(r['gt_label']) for r in results] == labels

    # Recompute the clip-averaged scores with the checkpoint's weights.
    import nl1d  # noqa: F401
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    from mmengine.runner import load_checkpoint

    from mmaction.registry import DATASETS, MODELS
    init_default_scope('mmaction')
    cfg = Config.fromfile(CONFIG)
    model = MODELS.build(cfg.model)
    load_checkpoint(model, best, map_location='cpu')
    model.eval()
    monkeypatch.chdir(cwd)  # the config's data paths are relative
    dataset = DATASETS.build(cfg.test_dataloader.dataset)
    assert len(dataset) == NUM_TEST
    for i, result in enumerate(results):
        data = dataset[i]
        clips = data['inputs'].float()  # (num_clips, C, L)
        assert clips.shape == (5, 1, 2000)
        with torch.no_grad():
            feats, _ = model.extract_feat(clips[None], test_mode=True)
            probs = model.cls_head(feats).softmax(dim=1)  # (5, 2)
        pred = torch.as_tensor(result['pred_score'])
        assert pred.shape == (2, )
        torch.testing.assert_close(pred, probs.mean(0), atol=1e-5,
                                   rtol=1e-4)


def test_resume_continues_from_last_checkpoint(trained):
    cwd, work_dir, _ = trained
    log = _run([
        osp.join(ROOT, 'tools', 'train.py'), CONFIG, '--work-dir',
        str(work_dir), '--seed', '0', '--resume', '--cfg-options',
        'train_cfg.max_epochs=2'
    ] + SMALL, cwd)
    assert re.search(r'resumed epoch: 1', log), log[-3000:]
    assert osp.isfile(work_dir / 'epoch_2.pth')
    assert 'Epoch(train)   [1]' not in log, 'epoch 1 must not be re-run'
