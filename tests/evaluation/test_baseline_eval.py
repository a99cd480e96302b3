# Copyright (c) nl1d contributors. All rights reserved.
"""nl1d.evaluation.baseline_eval: the pieces every non-network baseline
shares (the baselines end to end are in tests/tools/test_rr_baseline.py and
test_hypotension_convert.py)."""
import json

import numpy as np
import pytest
import torch
from mmengine.registry import init_default_scope

import nl1d  # noqa: F401
from nl1d.evaluation.baseline_eval import (baseline_parser, binary_samples,
                                           build_evaluator, format_metrics,
                                           report)
from nl1d.evaluation.results import load_results


@pytest.mark.parametrize('wrap', [list, lambda m: dict(metrics=m)])
def test_build_evaluator_skips_dump_results(wrap):
    init_default_scope('mmaction')
    evaluator = build_evaluator(wrap([
        dict(type='AUCMetric'),
        dict(type='DumpResults', out_file_path='x.pkl')
    ]))
    assert [type(m).__name__ for m in evaluator.metrics] == ['AUCMetric']
    single = build_evaluator(dict(type='AUCMetric'))
    assert len(single.metrics) == 1


def test_binary_samples_and_the_metrics_line():
    samples = binary_samples(
        np.array([0.2, 0.7]), np.array([0, 1]), ['a.npy', 'b.npy'],
        cv=np.array([0.01, 0.3]))
    assert samples[1]['filename'] == 'b.npy'
    torch.testing.assert_close(samples[1]['pred_score'],
                               torch.tensor([0.3, 0.7]))
    assert [int(s['pred_label']) for s in samples] == [0, 1]
    assert [int(s['gt_label'][0]) for s in samples] == [0, 1]
    assert samples[0]['cv'] == pytest.approx(0.01)
    assert format_metrics({'auc/auroc': 0.91234, 'n': 2}, 7) == \
        'Epoch(test) [7/7]    auc/auroc: 0.9123  n: 2.0000'


def test_parser_and_report(tmp_path, capsys):
    args = baseline_parser('x').parse_args(
        ['cfg.py', '--out', 'm.json', '--cfg-options', 'a.b=1'])
    assert (args.config, args.out, args.dump) == ('cfg.py', 'm.json', None)
    assert args.cfg_options == {'a.b': 1}
    samples = binary_samples(np.array([0.9]), np.array([1]), ['a.npy'])
    dump, out = tmp_path / 'd' / 'r.json', tmp_path / 'o' / 'm.json'
    report({'auc/auroc': 1.0}, samples, 'X baseline', str(dump), str(out))
    assert 'auc/auroc  1.0000' in capsys.readouterr().out
    loaded = load_results(str(dump))  # the format of the suffix
    assert loaded[0]['filename'] == 'a.npy'
    assert torch.equal(loaded[0]['pred_score'], samples[0]['pred_score'])
    with pytest.raises(SystemExit):  # refused before anything is scored
        baseline_parser('x').parse_args(['cfg.py', '--dump', 'r.npz'])
    assert 'r.npz: a result file must end with .json' in \
        capsys.readouterr().err
    assert json.loads(out.read_text()) == {'auc/auroc': 1.0}
