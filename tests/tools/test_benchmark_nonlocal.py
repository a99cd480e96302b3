# Copyright (c) nl1d contributors. All rights reserved.
"""tools/analysis/benchmark_nonlocal.py: each figure measured in a fresh
process, on the CPU and (where there is one) on a GPU, in float32 or under
autocast, through the aggregation path asked for."""
import json
import os.path as osp
import sys

import pytest
import torch

from tests.tools.tiny_signal_utils import REPO

sys.path.insert(0, osp.join(REPO, 'tools', 'analysis'))
import benchmark_nonlocal  # noqa: E402


def _bench(tmp_path, *args):
    out = tmp_path / 'bench.json'
    benchmark_nonlocal.main([
        '--modes', 'embedded_gaussian', '--lengths', '256', '--channels',
        '32', '--threads', '1', '--json',
        str(out), *args
    ])
    with open(out) as f:
        (row, ) = json.load(f)
    return row


@pytest.mark.slow
@pytest.mark.parametrize('amp', [False, True])
def test_cpu_figures_for_both_implementations(tmp_path, amp):
    row = _bench(tmp_path, '--attn-impl', 'chunked',
                 *(['--amp'] if amp else []))
    assert (row['mode'], row['length']) == ('embedded_gaussian', 256)
    for impl in ('nl1d', 'mmcv'):
        result = row[impl]
        assert 'error' not in result, result
        assert result['device'] == 'cpu' and result['threads'] == 1
        assert 0 < result['time_s'] < 60 and result['peak_mb'] >= 0


@pytest.mark.slow
def test_a_path_the_mode_lacks_is_reported(tmp_path):
    row = _bench(tmp_path, '--impls', 'nl1d', '--attn-impl', 'sorted')
    assert 'sorted' in row['nl1d']['error']


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason='needs CUDA')
def test_cuda_figures(tmp_path):
    row = _bench(tmp_path, '--device', 'cuda', '--amp')
    for impl in ('nl1d', 'mmcv'):
        assert 'error' not in row[impl], row[impl]
        assert row[impl]['device'] != 'cpu' and row[impl]['peak_mb'] > 0
