# Copyright (c) nl1d contributors. All rights reserved.
"""tools/analysis/benchmark_dataloader.py on a dataset smaller than the
batches it times: it runs over several epochs instead of stopping with a
bare StopIteration."""
import json

import pytest

from tests.tools.tiny_signal_utils import (TINY_CONFIG, run_tool,
                                           write_tiny_dataset)

# end-to-end runs of the tools: the full suite (tools/run_tests.sh) only
pytestmark = pytest.mark.slow


def test_small_dataset_runs_over_epochs(tmp_path):
    data = write_tiny_dataset(str(tmp_path / 'data'), num_train=40)
    out = str(tmp_path / 'bench.json')
    proc = run_tool([
        'tools/analysis/benchmark_dataloader.py', TINY_CONFIG, '--batch-size',
        '16', '--iters', '6', '--warmup', '2', '--out', out
    ], data)
    with open(out) as f:
        result = json.load(f)
    # 40 records in batches of 16: 3 batches an epoch, 8 drawn
    assert result['dataloader']['epochs'] == 3
    assert result['dataloader']['samples'] > 0
    assert result['train_step']['samples_per_s'] > 0
    assert 'over 3 epochs of 3 batches' in proc.stdout


def test_compiled_network_is_timed(tmp_path):
    data = write_tiny_dataset(str(tmp_path / 'data'), num_train=16)
    out = str(tmp_path / 'bench.json')
    proc = run_tool([
        'tools/analysis/benchmark_dataloader.py', TINY_CONFIG, '--batch-size',
        '8', '--iters', '2', '--warmup', '1', '--compile', '--out', out
    ], data)
    with open(out) as f:
        result = json.load(f)
    assert result['compiled'] and result['train_step']['samples_per_s'] > 0
    assert 'torch.compile' in proc.stdout
