# Copyright (c) nl1d contributors. All rights reserved.
"""tools/analysis/benchmark_nonlocal.py --ragged (nl1d's block on a masked
ragged batch against the same batch unmasked) and
tools/analysis/benchmark_nonlocal_load.py (the attention paths with other
cores busy): their command lines, tables and JSON, on tiny lengths. The
fast tests run each worker in-process instead of in a fresh one."""
import contextlib
import io
import json
import os.path as osp
import subprocess
import sys
from types import SimpleNamespace

import pytest
import torch

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, osp.join(REPO, 'tools', 'analysis'))
import benchmark_nonlocal  # noqa: E402
import benchmark_nonlocal_load  # noqa: E402


@pytest.fixture
def in_process(monkeypatch):
    """Run the worker command lines that ``run_one`` builds in this process
    (the command line is parsed as in a fresh process); record them."""
    commands = []
    threads = torch.get_num_threads()

    def fake_run(cmd, capture_output, text, timeout):
        assert cmd[0] == sys.executable
        assert cmd[1] == osp.abspath(benchmark_nonlocal.__file__)
        commands.append(cmd[2:])
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            benchmark_nonlocal.main(cmd[2:])
        return SimpleNamespace(stdout=out.getvalue(), stderr='')

    monkeypatch.setattr(benchmark_nonlocal.subprocess, 'run', fake_run)
    yield commands
    torch.set_num_threads(threads)


def test_ragged_lengths():
    assert benchmark_nonlocal.ragged_lengths(16, 4) == [16, 12, 8, 4]
    assert benchmark_nonlocal.ragged_lengths(10, 1) == [10]
    assert benchmark_nonlocal.ragged_lengths(3, 4) == [3, 2, 1, 1]


def test_ragged_masked_against_unmasked(tmp_path, in_process, capsys):
    out = tmp_path / 'ragged.json'
    benchmark_nonlocal.main([
        '--ragged', '--modes', 'embedded_gaussian', 'dot_product',
        '--lengths', '32', '--channels', '8', '--threads', '1',
        '--attn-impl', 'chunked', 'linear', '--json',
        str(out)
    ])
    rows = json.loads(out.read_text())
    # each mode only with the paths it has: chunked / linear
    assert [(r['mode'], r['attn_impl']) for r in rows] == [
        ('embedded_gaussian', 'chunked'), ('dot_product', 'linear')]
    for row in rows:
        assert row['batch'] == 4 and row['lengths'] == [32, 24, 16, 8]
        assert set(row) >= {'masked', 'unmasked'} and 'mmcv' not in row
        for impl in ('masked', 'unmasked'):
            result = row[impl]
            assert 'error' not in result, result
            assert result['impl'] == impl and result['threads'] == 1
            assert result['attn_impl'] == row['attn_impl']
            assert result['time_s'] > 0 and result['peak_mb'] >= 0
            assert result['steps'] >= 3  # short steps are repeated
            assert 'other_cores' in result
    # every figure a worker of its own, told to mask or not
    assert len(in_process) == 4
    assert all('--ragged' in cmd for cmd in in_process)
    assert [cmd[1] for cmd in in_process] == ['masked', 'unmasked'] * 2
    table = capsys.readouterr().out
    assert '| mode | attn_impl | L | masked time | unmasked time |' in table
    assert '| embedded_gaussian | chunked | 32 |' in table


def test_naive_skipped_beyond_the_affinity_limit(in_process, capsys):
    benchmark_nonlocal.main([
        '--ragged', '--modes', 'gaussian', '--lengths', '4096', '--channels',
        '8', '--attn-impl', 'naive', '--max-affinity-gb', '0.01'
    ])
    assert in_process == []
    assert 'skipped: affinity 0.2 GB' in capsys.readouterr().out


def test_a_figure_past_its_timeout_is_reported(monkeypatch):
    def slow(cmd, capture_output, text, timeout):
        raise subprocess.TimeoutExpired(cmd, timeout)

    monkeypatch.setattr(benchmark_nonlocal.subprocess, 'run', slow)
    args = benchmark_nonlocal.parse_args(['--timeout', '3'])
    result = benchmark_nonlocal.run_one(args, 'nl1d', 'gaussian', 64, 'sdpa')
    assert result['error'] == 'timeout after 3 s'
    assert args.batch == 1 and args.attn_impl == ['auto']


def test_busy_load_starts_and_kills_its_processes():
    with benchmark_nonlocal_load.BusyLoad('busy-pinned') as load:
        (proc, ) = load.procs
        assert proc.poll() is None
        assert len(benchmark_nonlocal_load.os.sched_getaffinity(
            proc.pid)) == 1
    assert proc.poll() is not None
    with benchmark_nonlocal_load.BusyLoad('idle') as load:
        assert load.procs == []


def test_load_grid_json_and_report(tmp_path, monkeypatch, capsys):
    calls = []

    def fake_run_one(bench, impl, mode, length, attn_impl):
        calls.append((bench.threads, bench.batch, bench.ragged, impl,
                      attn_impl))
        seconds = dict(sdpa=4.0, chunked=2.0, naive=1.0)[attn_impl]
        return dict(impl=impl, mode=mode, length=length, time_s=seconds,
                    peak_mb=1.0, other_cores=0.0)

    monkeypatch.setattr(benchmark_nonlocal_load.benchmark_nonlocal,
                        'run_one', fake_run_one)
    out = tmp_path / 'load.json'
    benchmark_nonlocal_load.main([
        '--modes', 'gaussian', '--lengths', '64', '4096', '--batches', '1',
        '4', '--threads', '1', '--loads', 'idle', '--max-affinity-gb',
        '0.1', '--json',
        str(out)
    ])
    figures = json.loads(out.read_text())
    assert len(figures) == 2 * 2 * 3
    # N > 1 runs masked and ragged; the 4 x 4096^2 affinity is skipped where
    # it is materialised: naive, and sdpa in gaussian mode (values narrower
    # than keys: torch's math kernel on the CPU)
    assert (1, 4, True, 'masked', 'chunked') in calls
    assert (1, 1, False, 'nl1d', 'sdpa') in calls
    skipped = [f for f in figures if 'error' in f]
    assert [(f['batch'], f['length'], f['attn_impl'])
            for f in skipped] == [(4, 4096, 'sdpa'), (4, 4096, 'naive')]
    assert all(f['load'] == 'idle' and f['threads'] == 1 for f in figures)
    table = capsys.readouterr().out
    assert ('| gaussian | 1 | 4096 | 1 | idle | 4.000 s | 2.000 s | '
            '1.000 s | 2.00 | 4.00 | 0.00 |') in table
    assert '| gaussian | 4 | 4096 | 1 | idle | skipped | 2.000 s | ' \
        'skipped | — | — |' in table

    # a busy file merged with the idle one: slowdowns per path
    busy = [dict(f, load='busy', time_s=f.get('time_s', 1) * 3)
            for f in figures if 'error' not in f]
    busy_path = tmp_path / 'busy.json'
    busy_path.write_text(json.dumps(busy))
    text = benchmark_nonlocal_load.report([str(out), str(busy_path)])
    assert '| gaussian | 1 | 64 | 1 | busy | 3.00 | 3.00 | 3.00 |' in text


@pytest.mark.slow
def test_ragged_figures_in_fresh_processes(tmp_path):
    out = tmp_path / 'ragged.json'
    subprocess.run([
        sys.executable,
        osp.join(REPO, 'tools', 'analysis', 'benchmark_nonlocal.py'),
        '--ragged', '--modes', 'gaussian', '--lengths', '64', '--channels',
        '8', '--threads', '1', '--attn-impl', 'sdpa', '--json',
        str(out)
    ], check=True, capture_output=True)
    (row, ) = json.loads(out.read_text())
    for impl in ('masked', 'unmasked'):
        assert 'error' not in row[impl], row[impl]
        assert row[impl]['lengths'] == [64, 48, 32, 16]
        assert row[impl]['other_cores'] >= 0


def test_report_marks_and_replaces_disturbed_figures(tmp_path):
    base = dict(mode='embedded_gaussian', batch=1, length=4096, threads=2,
                attn_impl='sdpa')
    first = [dict(base, load='idle', time_s=1.0, other_cores=0.9),
             dict(base, load='busy', time_s=3.0, other_cores=0.85)]
    path = tmp_path / 'first.json'
    path.write_text(json.dumps(first))
    text = benchmark_nonlocal_load.report([str(path)])
    # idle with 0.9 cores used by others is marked; busy's own loop is not
    assert '| embedded_gaussian | 1 | 4096 | 2 | idle | 1.000 s† |' in text
    assert '| embedded_gaussian | 1 | 4096 | 2 | busy | 3.000 s |' in text
    # a slower rerun on a quiet machine replaces the disturbed figure
    rerun = tmp_path / 'rerun.json'
    rerun.write_text(json.dumps([dict(first[0], time_s=1.5,
                                      other_cores=0.01)]))
    text = benchmark_nonlocal_load.report([str(path), str(rerun)])
    assert '| embedded_gaussian | 1 | 4096 | 2 | idle | 1.500 s |' in text
    assert '| embedded_gaussian | 1 | 4096 | 2 | busy | 2.00 |' in text


def test_report_of_repeated_runs_median_and_range(tmp_path):
    base = dict(mode='embedded_gaussian', batch=4, length=64, threads=2,
                load='busy2', attn_impl='sdpa', masked=False,
                other_cores=1.2)
    paths = []
    for i, seconds in enumerate((1.0, 8.0, 2.0)):
        paths.append(str(tmp_path / f'{i}.json'))
        with open(paths[-1], 'w') as f:
            json.dump([dict(base, time_s=seconds)], f)
    text = benchmark_nonlocal_load.report(paths)
    # N full-length records without lengths are told apart from ragged ones
    assert ('| embedded_gaussian | 4 full | 64 | 2 | busy2 | '
            '2.000 s [1.00–8.00, 3 runs] |') in text
