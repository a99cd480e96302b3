# Copyright (c) nl1d contributors. All rights reserved.
"""nl1d.analysis.flops (tools/analysis/get_flops.py) counts the non-local
matmuls as a function of L; nl1d.analysis.results_table
(tools/analysis/results_table.py) formats eval_metric.py's json."""
import json
import os.path as osp

import pytest

from nl1d.analysis import flops, results_table

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


@pytest.fixture(scope='module')
def get_flops():
    return flops


def _cfg(name):
    from mmengine.config import Config
    return Config.fromfile(osp.join(ROOT, 'configs', 'nl1d', f'{name}.py'))


@pytest.mark.parametrize('length,res5', [(2000, 63), (4000, 125)])
def test_nonlocal_attention_counted_quadratically(get_flops, length, res5):
    nl = get_flops.analyse(_cfg('nl_r18_res5_8xb32_signal'), length)
    base = get_flops.analyse(_cfg('r18_8xb32_signal'), length)
    assert base['blocks'] == []
    [(name, seen, attention)] = nl['blocks']
    assert name == 'neck' and seen == res5  # stride 32
    # theta.phi (L x L x Ci) + attention.g (L x L x Ci), Ci = 512 / 2
    assert attention == res5 * res5 * (256 + 256)
    # everything else of the non-local model: its 1x1 convs on top of R18
    convs = nl['flops'] - base['flops'] - attention
    assert convs >= 4 * 512 * 256 * res5
    assert nl['params'] > base['params']


def test_results_table(tmp_path, capsys):
    table = results_table
    metrics = {
        'auc/auroc': 0.9, 'auc/auroc_ci_low': 0.8, 'auc/auroc_ci_high': 0.95,
        'auc/auprc': 0.7, 'auc/prevalence': 0.25, 'acc/top1': float('nan')
    }
    path = tmp_path / 'm.json'
    path.write_text(json.dumps(metrics))
    text = table.table(table.read_runs([f'run={path}']))
    lines = text.splitlines()
    assert lines[0].startswith('| run | AUROC [95% CI] | AUPRC')
    assert lines[2] == ('| run | 0.900 [0.800, 0.950] | 0.700 | 0.250 | - | - '
                        '| - |')
    with pytest.raises(ValueError, match='NAME=METRICS.json'):
        table.read_runs([str(path)])
