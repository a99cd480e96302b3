# Copyright (c) nl1d contributors. All rights reserved.
"""Red team, second round: checkpoints are data on every path.

Attack files are built here (none of them is among the gadget payloads of
``test_checkpoint_attacks.py``): a checkpoint of plain values whose config
strings hold Python, one that carries another run's best-checkpoint path,
a 1.5 KB file of nested shared lists, a storage record claiming terabytes,
and loads while other code put ``getattr`` / ``HistoryBuffer`` on torch's
allow-list or loads in another thread. Each has a live control showing the
attack works against an unprotected loader.
"""
import hashlib
import os
import os.path as osp
import subprocess
import sys
import textwrap
import threading
import time

import numpy as np
import pytest
import torch
from mmengine.logging import HistoryBuffer

import nl1d
from nl1d.checkpoint import UnsafeCheckpointError, safe_load
from tests.tools.tiny_signal_utils import (REPO, TINY_CONFIG, run_tool,
                                           tool_env, write_tiny_dataset)
from tests.checkpoint.checkpoint_payloads import (EMPTY_DICT, MARK, PAYLOADS,
                                             SETITEM, TUPLE, checkpoint, get,
                                             getattr_chain, glob, put, text,
                                             write_checkpoint)

nl1d.setup_env()


def _python(code: str, data_root: str = '') -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, '-c', textwrap.dedent(code)],
                          cwd=REPO, env=tool_env(data_root),
                          capture_output=True, text=True, timeout=300)


def _config_payload(marker: str) -> str:
    """A config file's text that creates ``marker`` when evaluated."""
    return f"x = __import__('os').system('touch {marker}')\n"


def _digests(folder: str) -> dict:
    out = {}
    for root, _, files in os.walk(folder):
        for name in files:
            path = osp.join(root, name)
            with open(path, 'rb') as f:
                out[osp.relpath(path, folder)] = hashlib.sha256(
                    f.read()).hexdigest()
    return out


@pytest.fixture(scope='module')
def trained(tmp_path_factory):
    """A tiny two-epoch run (best checkpoint kept) and its data."""
    root = tmp_path_factory.mktemp('trust')
    data = write_tiny_dataset(str(root / 'data'))
    work = str(root / 'source_run')
    run_tool(['tools/train.py', TINY_CONFIG, '--work-dir', work, '--seed',
              '0', '--cfg-options', 'train_cfg.max_epochs=2'], data)
    return root, data, work


@pytest.mark.slow
def test_nl1d_checkpoints_hold_no_config_string_anything_evaluates(trained):
    _, _, work = trained
    plain = torch.load(osp.join(work, 'epoch_2.pth'), weights_only=True)
    assert 'cfg' not in plain['meta'] and 'config' not in plain['meta']
    assert 'cfg' not in plain['message_hub']['runtime_info']
    # the text stays readable for people, under a key nothing evaluates
    assert 'SignalDataset' in plain['meta']['config_text']


@pytest.mark.slow
def test_resume_never_evaluates_config_strings(trained, tmp_path):
    _, data, work = trained
    marker = str(tmp_path / 'pwned_resume')
    ckpt = torch.load(osp.join(work, 'epoch_1.pth'), weights_only=True)
    for where in (ckpt['meta'], ckpt['message_hub']['runtime_info']):
        where['cfg'] = _config_payload(marker)
    ckpt['meta']['config'] = _config_payload(marker)
    evil = str(tmp_path / 'evil.pth')
    torch.save(ckpt, evil)
    # plain values only: torch's own weights-only load accepts it
    assert torch.serialization.get_unsafe_globals_in_checkpoint(evil) == []

    # live control: mmengine's resume hands meta['config'] to this
    control = _python(f'''
        import torch
        from mmengine.config import Config
        ckpt = torch.load({evil!r}, weights_only=True)
        Config.fromstring(ckpt['meta']['config'], file_format='.py')
    ''')
    assert osp.exists(marker), control.stderr[-2000:]
    os.remove(marker)

    proc = run_tool([
        'tools/train.py', TINY_CONFIG, '--work-dir',
        str(tmp_path / 'resumed'), '--resume', evil, '--cfg-options',
        'train_cfg.max_epochs=2'
    ], data)
    log = proc.stdout + proc.stderr
    assert 'resumed epoch: 1' in log
    assert "dropped the config text stored in checkpoint" in log
    assert "['meta']['config']" in log
    assert not osp.exists(marker)


@pytest.mark.slow
def test_inferencer_does_not_evaluate_checkpoint_config(tmp_path):
    marker = str(tmp_path / 'pwned_inferencer')
    evil = str(tmp_path / 'evil.pth')
    text_ = _config_payload(marker)
    torch.save({'state_dict': {}, 'meta': {'cfg': text_},
                'message_hub': {'runtime_info': {'cfg': text_}}}, evil)
    code = f'''
        import nl1d
        {{setup}}
        from mmaction.apis.inferencers import ActionRecogInferencer
        try:
            ActionRecogInferencer(None, weights={evil!r}, device='cpu')
        except Exception as e:
            print('refused:', type(e).__name__, e)
    '''
    # live control: mmengine's own loader, as left by `import nl1d`
    control = _python(code.format(setup=''))
    assert osp.exists(marker), control.stdout + control.stderr[-2000:]
    os.remove(marker)
    proc = _python(code.format(setup='nl1d.setup_env()'))
    assert 'refused: ValueError Cannot find the config' in proc.stdout, \
        proc.stdout + proc.stderr[-2000:]
    assert not osp.exists(marker)


@pytest.mark.slow
def test_resume_from_a_copy_leaves_the_source_run_alone(trained, tmp_path):
    _, data, work = trained
    best = [n for n in os.listdir(work) if n.startswith('best_')]
    assert best, os.listdir(work)
    # a copy of the last checkpoint whose recorded best score any epoch
    # beats, so the resumed run saves a new best at its first validation
    ckpt = torch.load(osp.join(work, 'epoch_2.pth'), weights_only=True)
    hub = ckpt['message_hub']['runtime_info']
    hub['best_score'] = -1.0
    copy = str(tmp_path / 'copy.pth')
    torch.save(ckpt, copy)
    # the hazard is in the file: the source run's absolute best path
    assert osp.dirname(hub['best_ckpt']) == work
    assert osp.isfile(hub['best_ckpt'])
    before = _digests(work)
    elsewhere = str(tmp_path / 'elsewhere')
    proc = run_tool([
        'tools/train.py', TINY_CONFIG, '--work-dir', elsewhere, '--resume',
        copy, '--cfg-options', 'train_cfg.max_epochs=3'
    ], data)
    assert 'resumed epoch: 2' in proc.stdout + proc.stderr
    assert _digests(work) == before
    # the resumed run keeps its own best checkpoint
    assert any(n.startswith('best_') for n in os.listdir(elsewhere))


def _nested_shared_lists(depth: int) -> bytes:
    """meta = {'k0': x0, ..., 'kN': xN} with x_i = [x_{i-1}, x_{i-1}]: a
    naive walk visits 2**depth lists."""
    body = EMPTY_DICT + text('k0') + b']' + put(0) + SETITEM
    for i in range(1, depth + 1):
        body += (text(f'k{i}') + b']' + MARK + get(i - 1) + get(i - 1) +
                 b'e' + put(i) + SETITEM)
    return body


def test_shared_nested_lists_load_in_linear_time(tmp_path):
    path = write_checkpoint(str(tmp_path / 'dos.pth'),
                            checkpoint(_nested_shared_lists(40)))
    assert os.path.getsize(path) < 2048
    start = time.perf_counter()
    loaded = safe_load(path)
    assert time.perf_counter() - start < 2
    inner = loaded['meta']['k40']
    assert inner[0] is inner[1]  # sharing kept

    # live control: a walk without a memo visits 2**depth + ... lists
    def naive(obj):
        return 1 + sum(naive(v) for v in obj) if isinstance(obj,
                                                            list) else 0

    assert naive(loaded['meta']['k16']) == 2**17 - 1


def _long(value: int) -> bytes:
    """LONG1: an int of any size."""
    data = value.to_bytes((value.bit_length() + 8) // 8, 'little',
                          signed=True)
    return b'\x8a' + bytes([len(data)]) + data


def test_storage_claiming_more_than_the_file_is_refused(tmp_path):
    # persistent id ('storage', FloatStorage, '0', 'cpu', 2**40)
    storage = (MARK + text('storage') + glob('torch', 'FloatStorage') +
               text('0') + text('cpu') + _long(2**40) + TUPLE + b'Q')
    path = write_checkpoint(str(tmp_path / 'big.pth'), checkpoint(storage))
    with pytest.raises(UnsafeCheckpointError, match='claims'):
        safe_load(path)


@pytest.fixture
def foreign_allow_list():
    """Another library put the real getattr and HistoryBuffer on torch's
    process-wide allow-list; restored afterwards."""
    before = torch.serialization.get_safe_globals()
    torch.serialization.add_safe_globals([getattr, HistoryBuffer])
    yield
    torch.serialization.clear_safe_globals()
    torch.serialization.add_safe_globals(before)


def test_other_code_s_allow_list_changes_nothing(foreign_allow_list,
                                                 tmp_path):
    statistics = dict(HistoryBuffer._statistics_methods)
    for attempt in range(8):
        for name in ('getattr_chain', 'history_buffer_state', 'nested_reduce'):
            marker = str(tmp_path / f'pwned_{name}_{attempt}')
            build, expected = PAYLOADS[name]
            path = write_checkpoint(
                str(tmp_path / f'{name}.pth'), checkpoint(build(marker)))
            with pytest.raises(UnsafeCheckpointError):
                safe_load(path)
            assert not osp.exists(marker)
    assert HistoryBuffer._statistics_methods == statistics
    # live control: torch's own loader, with that allow-list, runs it
    marker = str(tmp_path / 'pwned_control')
    path = write_checkpoint(str(tmp_path / 'control.pth'),
                            checkpoint(getattr_chain(marker)))
    try:
        torch.load(path, weights_only=True)
    except Exception:
        pass  # the command has run before torch's type check fails
    assert osp.exists(marker)


def test_concurrent_loads_do_not_see_each_other(tmp_path):
    mmengine_style = str(tmp_path / 'mmengine.pth')
    torch.save({'hub': HistoryBuffer([1.0, 2.0], [1, 1], 5),
                'a': np.arange(3)}, mmengine_style)
    marker = str(tmp_path / 'pwned_thread')
    stand_in = write_checkpoint(
        str(tmp_path / 'stand_in.pth'),
        checkpoint(PAYLOADS['history_buffer_state'][0](marker)))
    errors, plain_refusals = [], []
    stop = threading.Event()

    def nl1d_loads():
        try:
            for _ in range(40):
                out = safe_load(mmengine_style)
                assert out['hub'].mean() == 1.5
        except BaseException as e:  # reported below
            errors.append(e)
        finally:
            stop.set()

    def plain_loads():
        # a weights-only load elsewhere never sees nl1d's stand-ins
        while not stop.is_set():
            try:
                torch.load(mmengine_style, weights_only=True)
                errors.append(AssertionError('plain load accepted it'))
            except Exception:
                plain_refusals.append(1)

    threads = [threading.Thread(target=nl1d_loads) for _ in range(2)]
    threads.append(threading.Thread(target=plain_loads))
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors[:3]
    assert plain_refusals
    with pytest.raises(UnsafeCheckpointError):
        safe_load(stand_in)
    assert not osp.exists(marker)


def test_force_weights_only_env_keeps_loading_strict(tmp_path, monkeypatch):
    path = str(tmp_path / 'plain.pth')
    torch.save({'state_dict': {'w': torch.ones(2)}, 'meta': {'epoch': 1}},
               path)
    monkeypatch.setenv('TORCH_FORCE_WEIGHTS_ONLY_LOAD', '1')
    assert safe_load(path)['state_dict']['w'].sum() == 2
    monkeypatch.setenv('TORCH_FORCE_WEIGHTS_ONLY_LOAD', '0')
    monkeypatch.setenv('TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD', '1')
    marker = str(tmp_path / 'pwned_env')
    evil = write_checkpoint(str(tmp_path / 'evil.pth'),
                            checkpoint(getattr_chain(marker)))
    with pytest.raises(UnsafeCheckpointError):
        safe_load(evil)
    assert not osp.exists(marker)
