# Copyright (c) nl1d contributors. All rights reserved.
"""The dataset's classes.txt end to end, as a user runs the tools: the
train log names the positive class and warns that save_best ranks epochs
on 5 validation records, every checkpoint stores the names, and
``tools/test.py --dump`` writes them beside the labels."""
import os.path as osp

import pytest

from nl1d.datasets.class_names import write_classes
from nl1d.checkpoint import safe_load
from tests.tools.tiny_signal_utils import (TINY_CONFIG, load_results, run_tool,
                                           write_tiny_dataset)

# end-to-end runs of the tools: the full suite (tools/run_tests.sh) only
pytestmark = pytest.mark.slow


def test_names_reach_log_checkpoint_and_dump(tmp_path):
    data = write_tiny_dataset(str(tmp_path / 'data'))
    write_classes(osp.join(data, 'classes.txt'), ['noise', 'sine'])
    work_dir = str(tmp_path / 'work')
    proc = run_tool(['tools/train.py', TINY_CONFIG, '--work-dir', work_dir,
                     '--seed', '0'], data)
    log = proc.stdout + proc.stderr
    assert 'positive (sine) of 5 records' in log
    assert "save_best='auc/auroc' picks the \"best\" epoch" in log
    checkpoint = safe_load(osp.join(work_dir, 'epoch_3.pth'))
    assert checkpoint['meta']['dataset_meta']['classes'] == ('noise',
                                                             'sine')

    result = str(tmp_path / 'result.pkl')
    run_tool(['tools/test.py', TINY_CONFIG,
              osp.join(work_dir, 'epoch_3.pth'), '--work-dir', work_dir,
              '--dump', result], data)
    records = load_results(result)
    assert len(records) == 5
    for record in records:
        assert record['gt_class'] == ('noise',
                                      'sine')[int(record['gt_label'])]
        assert record['pred_class'] == ('noise',
                                        'sine')[int(record['pred_label'])]
