# Copyright (c) nl1d contributors. All rights reserved.
"""tools/gpu_check.sh: on this machine (no CUDA) it prints the environment,
says why there is nothing to check, exits with its own code and writes its
report; its runner keeps every step inside its limit and the whole run inside
its budget, and goes on past a failing step; every CUDA-only test carries
the ``cuda`` marker that ``pytest -m cuda`` selects."""
import glob
import json
import os
import os.path as osp
import re
import subprocess
import sys
import time

import pytest
import torch

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))

sys.path.insert(0, osp.join(REPO, 'tools'))
import gpu_check  # noqa: E402


@pytest.mark.skipif(torch.cuda.is_available(),
                    reason='with CUDA this is the full 8-minute check')
@pytest.mark.slow
def test_without_cuda_it_prints_the_environment_and_exits_3(tmp_path):
    out = tmp_path / 'report'
    start = time.monotonic()
    proc = subprocess.run(
        ['bash', osp.join(REPO, 'tools', 'gpu_check.sh'), '--out',
         str(out)], env=dict(os.environ, PYTHON=sys.executable),
        capture_output=True, text=True, timeout=300)
    took = time.monotonic() - start
    assert proc.returncode == gpu_check.EXIT_NO_CUDA == 3, \
        proc.stdout[-3000:] + proc.stderr[-3000:]
    # the environment, then why nothing was checked
    assert 'nl1d: ' in proc.stdout and 'PyTorch: ' in proc.stdout
    assert 'no CUDA device: ' in proc.stdout
    assert 'CPU-only build' in proc.stdout  # this machine's torch
    with open(out / 'report.json') as f:
        report = json.load(f)
    assert report['result'] == 'no_cuda' and report['exit_code'] == 3
    assert report['environment']['nl1d'] and report['cuda']['torch']
    assert report['cuda']['cuda_available'] is False
    status = {s['name']: s['status'] for s in report['steps']}
    assert status.pop('environment') == status.pop('cuda') == 'passed'
    assert set(status) == {
        'pytest_cuda', 'demo_data', 'train_amp', 'test', 'dist_train_nccl',
        'benchmark_float32', 'benchmark_amp'
    }
    assert set(status.values()) == {'skipped'}
    assert report['duration_s'] < took + 1
    with open(out / 'report.md') as f:
        markdown = f.read()
    assert markdown.startswith('# nl1d GPU check: no_cuda')
    assert '| 1 | environment | passed |' in markdown
    assert osp.isfile(out / 'logs' / 'environment.log')


def _running(pid: int) -> bool:
    """Whether ``pid`` runs (an orphan killed with its group may stay a
    zombie until init reaps it)."""
    for _ in range(20):
        try:
            with open(f'/proc/{pid}/stat') as f:
                state = f.read().rsplit(')', 1)[1].split()[0]
        except FileNotFoundError:
            return False
        if state in 'ZX':
            return False
        time.sleep(0.1)
    return True


def _py(code: str) -> list:
    return [sys.executable, '-c', code]


def test_a_failing_or_overrunning_step_does_not_stop_the_run(tmp_path):
    pid_file = tmp_path / 'child.pid'
    # a step that starts a child and then hangs: both are killed at its limit
    hang = _py('import subprocess, sys, time\n'
               f'child = subprocess.Popen([sys.executable, "-c", '
               f'"import time; time.sleep(120)"])\n'
               f'open({str(pid_file)!r}, "w").write(str(child.pid))\n'
               'print("started", flush=True)\n'
               'time.sleep(120)')
    steps = [
        gpu_check.Step('fails', 'exits 1',
                       _py('print("before the error"); raise SystemExit(1)'),
                       30),
        gpu_check.Step('hangs', 'runs past its limit', hang, 3),
        gpu_check.Step('unchecked', 'exits 0 without what it is for',
                       _py('print("nothing")'), 30,
                       check=lambda out, r: (False, dict(error='no table'))),
        gpu_check.Step('skipped', 'not for this machine', [], 30,
                       skip='needs 2 GPUs'),
        gpu_check.Step('passes', 'exits 0', _py('print("fine")'), 30,
                       check=lambda out, r: ('fine' in out, dict(ok=1))),
    ]
    lines = []
    runner = gpu_check.Runner(str(tmp_path / 'out'), time.time(), 120, {},
                              echo=lines.append)
    start = time.monotonic()
    results = runner.run(steps)
    assert time.monotonic() - start < 30
    by_name = {r['name']: r for r in results}
    assert [r['name'] for r in results] == [s.name for s in steps]
    assert by_name['fails']['status'] == 'failed'
    assert by_name['fails']['returncode'] == 1
    assert 'before the error' in by_name['fails']['tail']
    assert by_name['hangs']['status'] == 'timeout'
    assert 3 <= by_name['hangs']['duration_s'] < 20
    assert 'started' in by_name['hangs']['tail']
    assert not _running(int(pid_file.read_text())), \
        'the whole process group is killed'
    assert by_name['unchecked']['status'] == 'failed'
    assert by_name['unchecked']['error'] == 'no table'
    assert by_name['skipped']['status'] == 'skipped'
    assert by_name['skipped']['error'] == 'needs 2 GPUs'
    assert by_name['passes']['status'] == 'passed'
    assert by_name['passes']['details'] == dict(ok=1)
    # the report is rewritten after each step, log per step
    with open(tmp_path / 'out' / 'report.json') as f:
        report = json.load(f)
    assert [s['status'] for s in report['steps']] == [
        'failed', 'timeout', 'failed', 'skipped', 'passed'
    ]
    assert osp.isfile(tmp_path / 'out' / 'logs' / 'hangs.log')
    assert any('timeout' in line for line in lines)


def test_the_budget_covers_the_whole_run(tmp_path, monkeypatch):
    """A step never gets more than the time left (less a reserve for each
    step after it); a step no time is left for is skipped."""
    monkeypatch.setattr(gpu_check, 'RESERVE_PER_STEP', 1)
    monkeypatch.setattr(gpu_check, 'MIN_STEP_SECONDS', 1)
    sleep = _py('import time; time.sleep(60)')
    runner = gpu_check.Runner(str(tmp_path), time.time(), 4, {},
                              echo=lambda line: None)
    results = runner.run([
        gpu_check.Step('long', 'asks for 100 s', sleep, 100),
        gpu_check.Step('next', 'no time left', sleep, 100),
    ])
    assert results[0]['status'] == 'timeout'
    assert results[0]['timeout_s'] <= 3  # 4 s budget - 1 s for 'next'
    assert results[1]['status'] == 'skipped'
    assert 'out of time' in results[1]['error']
    runner.finish('failed', 1, 'summary')
    with open(tmp_path / 'report.json') as f:
        report = json.load(f)
    assert report['exit_code'] == 1 and report['duration_s'] < 15


def test_the_plan_for_one_and_for_two_gpus(tmp_path):
    plan = gpu_check.Plan('/usr/bin/python3', str(tmp_path))
    one = {s.name: s for s in plan.cuda_steps(dict(device_count=1))}
    two = {s.name: s for s in plan.cuda_steps(dict(device_count=2))}
    assert list(one) == [
        'pytest_cuda', 'demo_data', 'train_amp', 'test', 'dist_train_nccl',
        'benchmark_float32', 'benchmark_amp'
    ]
    assert '1 GPU' in one['dist_train_nccl'].skip
    dist = two['dist_train_nccl']
    assert not dist.skip and dist.env['PYTHON'] == '/usr/bin/python3'
    assert dist.cmd[1].endswith('tools/dist_train.sh') and dist.cmd[3] == '2'
    pytest_cmd = one['pytest_cuda'].cmd
    assert pytest_cmd[:5] == ['/usr/bin/python3', '-m', 'pytest', '-m',
                              'cuda']
    assert 'tests/tools/test_amp_cuda_e2e.py' in pytest_cmd
    train = one['train_amp'].cmd
    assert '--amp' in train and gpu_check.CONFIG in train[2]
    assert f'train_cfg.max_epochs={gpu_check.TRAIN_EPOCHS}' in train
    for name, amp in (('benchmark_float32', False), ('benchmark_amp', True)):
        cmd = one[name].cmd
        assert cmd[cmd.index('--device') + 1] == 'cuda'
        assert '32768' in cmd and ('--amp' in cmd) == amp
    # the limits alone fit the 8 minutes with one GPU (no dist step)
    first = plan.first_steps()
    total = sum(s.limit for s in first) + sum(
        s.limit for s in one.values() if not s.skip)
    assert total < 2 * gpu_check.DEFAULT_BUDGET  # the budget cuts the rest
    assert gpu_check.DEFAULT_BUDGET == 480


def test_the_test_step_fails_without_a_checkpoint(tmp_path):
    plan = gpu_check.Plan(sys.executable, str(tmp_path))
    step = {s.name: s for s in plan.cuda_steps(dict(device_count=1))}['test']
    result = gpu_check.run_step(step, str(tmp_path), 10)
    assert result['status'] == 'failed'
    assert 'no best checkpoint' in result['error']


@pytest.mark.parametrize('line, ok, counts', [
    ('==== 27 passed, 2 skipped in 61.2s ====', True,
     dict(passed=27, skipped=2)),
    ('1 failed, 26 passed in 70.0s', True, dict(failed=1, passed=26)),
    ('27 skipped in 1.0s', False, dict(skipped=27)),
])
def test_pytest_summary(line, ok, counts):
    got_ok, details = gpu_check._check_pytest(f'...\n{line}\n', {})
    assert got_ok == ok
    assert {k: details[k] for k in counts} == counts


def test_every_cuda_only_test_is_marked_cuda():
    """A test skipped for lack of CUDA must be selectable by ``-m cuda``
    (tools/gpu_check.sh runs exactly those)."""
    skip = re.compile(r'skipif\(\s*not\s+torch\.cuda\.is_available\(\)')
    unmarked = []
    for path in glob.glob(osp.join(REPO, 'tests', '**', 'test_*.py'),
                          recursive=True):
        with open(path) as f:
            text = f.read()
        if skip.search(text) and 'pytest.mark.cuda' not in text:
            unmarked.append(osp.relpath(path, REPO))
    assert not unmarked, f'add @pytest.mark.cuda to {unmarked}'
    files = gpu_check.cuda_test_files()
    assert {
        'tests/tools/test_amp_cuda_e2e.py',
        'tests/models/layers/test_nonlocal_cuda.py',
        'tests/tools/test_benchmark_nonlocal.py'
    } <= set(files)


def test_the_markers_are_registered(pytestconfig):
    markers = ' '.join(pytestconfig.getini('markers'))
    assert 'cuda:' in markers and 'slow:' in markers


SMALL = [
    'train_dataloader.batch_size=4', 'val_dataloader.batch_size=4',
    'train_dataloader.num_workers=0', 'val_dataloader.num_workers=0',
    'test_dataloader.num_workers=0',
    'train_dataloader.persistent_workers=False',
    'val_dataloader.persistent_workers=False',
    'test_dataloader.persistent_workers=False'
]


@pytest.mark.slow
def test_the_quick_start_steps_run_for_real(tmp_path):
    """The plan's demo data, training and test commands and their checks,
    on this CPU with tiny data: the test step runs on what training left
    although training's own check fails here (no float16 without a GPU:
    ``--amp`` means bfloat16 or float32 on a CPU, never AmpOptimWrapper)."""
    plan = gpu_check.Plan(sys.executable, str(tmp_path),
                          demo_args=['--num-records', '8', '4', '6'],
                          cfg_options=SMALL)
    steps = {s.name: s for s in plan.cuda_steps(dict(device_count=1))}
    steps['train_amp'].cmd[steps['train_amp'].cmd.index(
        f'train_cfg.max_epochs={gpu_check.TRAIN_EPOCHS}')] = \
        'train_cfg.max_epochs=1'
    runner = gpu_check.Runner(str(tmp_path), time.time(), 600, {},
                              echo=lambda line: None)
    demo, train, test = runner.run(
        [steps['demo_data'], steps['train_amp'], steps['test']])
    assert demo['status'] == 'passed', demo['tail']
    assert train['returncode'] == 0, train['tail']
    assert train['status'] == 'failed'
    assert train['error'] == 'the dumped config has no AmpOptimWrapper'
    assert 'auc/auroc' in train['details']['val']
    assert test['status'] == 'passed', test['tail']
    assert 0 <= test['details']['test']['auc/auroc'] <= 1
    assert osp.isfile(tmp_path / 'quickstart' / 'result.pkl')


def test_with_cuda_the_report_sums_up_the_steps(tmp_path, monkeypatch):
    """main() past the probe, as on a GPU machine (the probe and the steps
    stood in for): every step run, the exit code and the summary."""
    probe = dict(cuda_available=True, device_count=1, torch='2.11.0',
                 torch_cuda='12.8', cudnn=91000, nccl='2.27.3',
                 bf16_supported=True,
                 devices=[dict(index=0, name='NVIDIA H100', capability='9.0',
                               memory_gib=79.1, matmul_ok=True)])
    first = [
        gpu_check.Step('environment', 'env',
                       _py(f'print({gpu_check.ENV_MARK!r} + '
                           '\'{"nl1d": "0.1.0"}\')'), 30,
                       check=gpu_check._check_env),
        gpu_check.Step('cuda', 'probe',
                       _py(f'print({gpu_check.PROBE_MARK!r} + '
                           f'{json.dumps(json.dumps(probe))})'), 30,
                       check=gpu_check._check_probe),
    ]
    outcome = {'fail': False}

    def cuda_steps(self, probe):
        code = 'raise SystemExit(1)' if outcome['fail'] else 'print(1)'
        return [gpu_check.Step('a', 'a', _py('print(1)'), 30),
                gpu_check.Step('b', 'b', _py(code), 30),
                gpu_check.Step('c', 'c', [], 30, skip='1 GPU: needs 2')]

    monkeypatch.setattr(gpu_check.Plan, 'first_steps', lambda self: first)
    monkeypatch.setattr(gpu_check.Plan, 'cuda_steps', cuda_steps)
    assert gpu_check.main(['--out', str(tmp_path)]) == gpu_check.EXIT_OK
    with open(tmp_path / 'report.json') as f:
        report = json.load(f)
    assert report['result'] == 'passed'
    assert report['summary'].startswith('4 passed, 1 skipped in ')
    assert report['summary'].endswith('on NVIDIA H100')
    assert report['cuda']['nccl'] == '2.27.3'
    with open(tmp_path / 'report.md') as f:
        markdown = f.read()
    assert '- GPU 0: NVIDIA H100, compute 9.0, 79.1 GiB' in markdown
    outcome['fail'] = True
    assert gpu_check.main(['--out', str(tmp_path)]) == gpu_check.EXIT_FAILED
    with open(tmp_path / 'report.json') as f:
        report = json.load(f)
    assert report['result'] == 'failed'
    assert '1 failed' in report['summary']
