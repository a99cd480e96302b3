# Copyright (c) nl1d contributors. All rights reserved.
"""tools/benchmarks/model_zoo.py: the quick mode runs a row end to end; the
tables render from row.json files and replace the README's zoo blocks."""
import json
import os.path as osp
import subprocess
import sys

import pytest

from tests.tools.tiny_signal_utils import REPO, tool_env

SHARED = osp.join(osp.dirname(REPO), 'shared', 'data')
sys.path.insert(0, osp.join(REPO, 'tools', 'benchmarks'))


@pytest.mark.skipif(
    not osp.isdir(osp.join(SHARED, 'ucr', 'ECG200')),
    reason='../shared/data/ucr is not here')
def test_quick_row_end_to_end(tmp_path):
    cmd = [sys.executable, 'tools/benchmarks/model_zoo.py', 'run',
           'ucr-ecg200-nl_r18_res5', '--quick', '--work-root', str(tmp_path),
           '--shared', SHARED, '--threads', '1']
    proc = subprocess.run(cmd, cwd=REPO, env=tool_env(REPO),
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    with open(tmp_path / 'quick' / 'ucr-ecg200-nl_r18_res5' /
              'row.json') as f:
        row = json.load(f)
    assert row['quick'] and row['checkpoint_tested'] == 'epoch_11.pth'
    assert 0 <= row['metrics']['thr_acc/accuracy'] <= 1
    assert row['metrics']['thr_acc/accuracy_ci_low'] <= \
        row['metrics']['thr_acc/accuracy']
    assert row['length'] == 96 and row['params'] > 4e6
    assert 'tools/train.py' in row['commands'][0]
    # a finished row is skipped
    again = subprocess.run(cmd, cwd=REPO, env=tool_env(REPO),
                           capture_output=True, text=True, timeout=600)
    assert 'done' in again.stdout


def _row(name, group, **extra):
    from zoo_rows import ROWS
    metrics = {'thr_acc/accuracy': 0.9, 'thr_acc/accuracy_ci_low': 0.85,
               'thr_acc/accuracy_ci_high': 0.95, 'auc/auroc': 0.97,
               'auc/auprc': 0.8, 'auc/prevalence': 0.1}
    return dict(ROWS[name], metrics=metrics, params=4.37e6, flops=5.7e8,
                train_seconds=600, machine='test machine', quick=False,
                **extra)


def test_tables_and_readme_update(tmp_path):
    from zoo_rows import ROWS
    from zoo_tables import render_tables, update_readme
    rows = [_row('ucr-ecg200-nl_r18_res5', 'ucr'),
            _row('seed-cinc2017-af-20s-nl_r34_res3', 'seed')]
    tables = render_tables(rows)
    assert '| ECG200 | NL R18 (res5) | 90.0 [85.0, 95.0] | 87.4 | +2.6 | ' \
        '93.0 (InceptionTime) |' in tables['ucr']
    seed = tables['seed'].splitlines()
    assert seed[3].startswith('| R34 | not run | not run | 0.970<br>')
    assert 'test machine' in tables['machine']
    # Rows without results are listed with the command that runs them.
    pending = [dict(ROWS[name], not_run=True) for name in
               ('ucr-ecg200-r18', 'apnea-ecg-rr-r18',
                'ablation-ucr-ecg200-1xb16-50e')]
    listed = render_tables(rows[:1] + pending[:1] + rows[1:] + pending[1:])
    ucr = listed['ucr'].splitlines()
    assert ucr[2].startswith('| ECG200 | NL R18 (res5) | 90.0 [85.0, 95.0] '
                             '| 87.4 | +2.6 |')
    assert ucr[3].startswith('| ECG200 | R18 | not run yet (`model_zoo.py '
                             'run ucr-ecg200-r18`) | 87.4 |')
    assert 'not run yet (`model_zoo.py run apnea-ecg-rr-r18`)' in \
        listed['apnea']
    assert 'ablation' not in listed
    readme = tmp_path / 'README.md'
    readme.write_text('a\n<!-- zoo:ucr -->\nold\n<!-- /zoo:ucr -->\nb\n'
                      '<!-- zoo:apnea -->\nkept\n<!-- /zoo:apnea -->\n'
                      '<!-- zoo:seed -->\n<!-- /zoo:seed -->\nc\n')
    update_readme(str(readme), tables)
    text = readme.read_text()
    assert 'old' not in text and tables['ucr'] in text and 'kept' in text
    # an empty block (adjacent markers) is filled too, and stays one block
    assert f'<!-- zoo:seed -->\n{tables["seed"]}\n<!-- /zoo:seed -->\nc\n' \
        in text
    update_readme(str(readme), tables)
    assert readme.read_text() == text
