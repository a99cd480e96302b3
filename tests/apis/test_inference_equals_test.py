# Copyright (c) nl1d contributors. All rights reserved.
"""Inference equals test: ``inference_recognizer`` and
``python -m nl1d.apis.inference`` give, record by record, the ``pred_score``
that ``tools/test.py --dump`` writes, on an inherited config whose test
window differs from its base's (the base's ``test_pipeline`` variable is
left at 128-sample windows; the test dataset runs 96-sample ones)."""
import csv
import glob
import os.path as osp
import subprocess
import sys

import numpy as np
import pytest
import torch
from mmengine import Config

from nl1d.apis import inference_recognizer, init_recognizer
from tests.tools.tiny_signal_utils import (REPO, TINY_CONFIG, load_results,
                                           run_tool, tool_env,
                                           write_tiny_dataset)

# end-to-end runs of the tools: the full suite (tools/run_tests.sh) only
pytestmark = pytest.mark.slow

CHILD = f"""_base_ = [{TINY_CONFIG!r}]
# Only the test dataset's pipeline changes; the base's `test_pipeline`
# variable keeps its 128-sample windows.
test_dataloader = dict(
    dataset=dict(pipeline=[
        dict(type='LoadSignal'),
        dict(type='SampleWindows', clip_len=96, num_clips=3, test_mode=True),
        dict(type='PackSignalInputs')
    ]))
"""


@pytest.fixture(scope='module')
def dumped(tmp_path_factory):
    """Tiny data, a child config, a checkpoint and tools/test.py --dump."""
    root = tmp_path_factory.mktemp('equal')
    data = write_tiny_dataset(str(root / 'data'), num_test=6, length=200)
    config = str(root / 'child.py')
    with open(config, 'w') as f:
        f.write(CHILD)
    cfg = Config.fromfile(config)
    assert cfg.test_pipeline[1]['clip_len'] == 128  # the trap is armed
    torch.manual_seed(0)
    model = init_recognizer(cfg)
    with torch.no_grad():  # scores that differ from record to record
        model.cls_head.fc_cls.weight.normal_(0, 1)
    checkpoint = str(root / 'tiny.pth')
    torch.save(
        dict(meta=dict(dataset_meta=dict(classes=['noise', 'sine']),
                       thresholds=dict(thr_acc=dict(threshold=0.5))),
             state_dict=model.state_dict()), checkpoint)
    dump = str(root / 'result.pkl')
    proc = run_tool([
        'tools/test.py', config, checkpoint, '--work-dir',
        str(root / 'work'), '--dump', dump
    ], data)
    return config, checkpoint, data, load_results(dump), proc


def test_inference_recognizer_equals_the_dump(dumped):
    config, checkpoint, _, results, _ = dumped
    model = init_recognizer(config, checkpoint)
    assert len(results) == 6
    differs = 0
    for record in results:
        got = inference_recognizer(model, record['filename'])
        assert got.num_clips == 3  # the test dataset's windows
        torch.testing.assert_close(
            got.pred_score, record['pred_score'], rtol=0, atol=1e-6)
        # the base's test_pipeline variable would have scored differently
        stale = inference_recognizer(
            model, record['filename'], test_pipeline=model.cfg.test_pipeline)
        differs += not torch.allclose(stale.pred_score, record['pred_score'])
    assert differs > 0


def test_batch_inference_cli_equals_the_dump(dumped, tmp_path):
    config, checkpoint, data, results, _ = dumped
    files = [r['filename'] for r in results]
    out = str(tmp_path / 'scores.csv')
    proc = subprocess.run(
        [sys.executable, '-m', 'nl1d.apis.inference', config, checkpoint,
         *files[:2], osp.dirname(files[2]), '--out', out],
        cwd=REPO, env=tool_env(data), capture_output=True, text=True,
        timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    with open(out) as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == [
        'file', 'score_noise', 'score_sine', 'pred_label', 'pred_class',
        'thr_acc_threshold', 'thr_acc_pred'
    ]
    by_file = {row['file']: row for row in rows}
    # two files named, then the whole folder (every record, sorted)
    folder = sorted(glob.glob(osp.join(osp.dirname(files[2]), '*.npy')))
    assert [row['file'] for row in rows] == files[:2] + folder
    for record in results:
        row = by_file[record['filename']]
        scores = np.array([float(row['score_noise']),
                           float(row['score_sine'])])
        np.testing.assert_allclose(
            scores, record['pred_score'].numpy(), rtol=0, atol=1e-6)
        assert int(row['pred_label']) == int(np.argmax(scores))
        assert int(row['thr_acc_pred']) == int(scores[1] >= 0.5)
    # a progress bar on stderr: a few lines in a log, not one per record
    progress = [line for line in proc.stderr.splitlines()
                if line.startswith('inference:')]
    assert 2 <= len(progress) <= 6, proc.stderr
    assert f'{len(rows)} records -> {out}' in proc.stderr


def test_batch_inference_cli_explains_missing_files(dumped, tmp_path):
    config, checkpoint, data, _, _ = dumped
    proc = subprocess.run(
        [sys.executable, '-m', 'nl1d.apis.inference', config, checkpoint,
         str(tmp_path / 'missing.npy')],
        cwd=REPO, env=tool_env(data), capture_output=True, text=True,
        timeout=300)
    assert proc.returncode != 0
    assert 'missing.npy' in proc.stderr and 'do not exist' in proc.stderr
