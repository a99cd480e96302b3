# Copyright (c) nl1d contributors. All rights reserved.
"""Two runs with the same ``--seed`` and ``--deterministic`` give identical
checkpoints and result.pkl; the seed and the environment are logged (issue 6,
item 2)."""
import glob
import os.path as osp

import pytest
import torch

from tests.tools.tiny_signal_utils import (TINY_CONFIG, assert_same_results,
                                           assert_same_weights, run_tool,
                                           write_tiny_dataset)

# end-to-end runs of the tools: the full suite (tools/run_tests.sh) only
pytestmark = pytest.mark.slow


def _train_and_test(data: str, work_dir: str, seed: str,
                    test: bool = True) -> str:
    run_tool([
        'tools/train.py', TINY_CONFIG, '--work-dir', work_dir, '--seed', seed,
        '--deterministic'
    ], data)
    if not test:
        return ''
    result = osp.join(work_dir, 'result.pkl')
    run_tool([
        'tools/test.py', TINY_CONFIG,
        osp.join(work_dir, 'epoch_3.pth'), '--work-dir', work_dir, '--dump',
        result
    ], data)
    return result


def test_same_seed_same_bits(tmp_path):
    data = write_tiny_dataset(str(tmp_path / 'data'))
    runs = [str(tmp_path / name) for name in ('a', 'b', 'other_seed')]
    results = [
        _train_and_test(data, run, seed, test)
        for run, seed, test in zip(runs, ('7', '7', '8'), (True, True, False))
    ]

    for name in ('epoch_2.pth', 'epoch_3.pth'):
        assert_same_weights(osp.join(runs[0], name), osp.join(runs[1], name))
        a = torch.load(osp.join(runs[0], name), weights_only=True)
        b = torch.load(osp.join(runs[1], name), weights_only=True)
        for key, state in a['optimizer']['state'].items():
            assert torch.equal(state['momentum_buffer'],
                               b['optimizer']['state'][key]['momentum_buffer'])
        assert a['meta']['seed'] == b['meta']['seed'] == 7
    assert_same_results(results[0], results[1])

    # the seed matters: another seed gives other weights
    a = torch.load(osp.join(runs[0], 'epoch_3.pth'), weights_only=True)
    c = torch.load(osp.join(runs[2], 'epoch_3.pth'), weights_only=True)
    assert not torch.equal(a['state_dict']['cls_head.fc_cls.weight'],
                           c['state_dict']['cls_head.fc_cls.weight'])

    # the seed, determinism and the environment are in the log
    train_log = sorted(glob.glob(osp.join(runs[0], '*', '*.log')))[0]
    with open(train_log) as f:
        log = f.read()
    assert 'Epoch(train)' in log
    assert 'seed: 7' in log
    assert 'deterministic: True' in log
    for item in ('PyTorch: ', 'MMEngine: ', 'MMAction2: ', 'MMCV: ',
                 'nl1d: ', 'NumPy: ', 'CPU: ', 'GPU: '):
        assert item in log, item
