# Copyright (c) nl1d contributors. All rights reserved.
"""Red team: hand-crafted checkpoints must not run code through any load
path, and ``import nl1d`` must not weaken torch's loading elsewhere.

Payloads (tests/checkpoint/checkpoint_payloads.py, raw pickle opcodes) are run
through every path nl1d offers: safe_load, mmengine's CheckpointLoader for
every URL scheme (a local HTTP server on 127.0.0.1), load_checkpoint,
init_recognizer, 2D->1D deflation, and the tools (tools/test.py,
tools/train.py --resume and load_from). Each must be refused with
UnsafeCheckpointError naming the refused global or call, and no marker file
may appear. A control test shows that the gadget chains are live: under the
allow-list nl1d used to install they do create the marker.
"""
import functools
import http.server
import io
import json
import os.path as osp
import subprocess
import sys
import textwrap
import threading

import numpy as np
import pytest
import torch
from mmengine.logging import HistoryBuffer
from mmengine.runner import CheckpointLoader, load_checkpoint

import nl1d  # noqa: F401
from nl1d.models.backbones import ResNet1d
from nl1d.checkpoint import UnsafeCheckpointError, safe_load
from nl1d.checkpoint.schemes import SAFE_SCHEMES
from tests.tools.tiny_signal_utils import (REPO, TINY_CONFIG, run_tool,
                                           tool_env, write_tiny_dataset)
from tests.checkpoint.checkpoint_payloads import (PAYLOADS, checkpoint,
                                             getattr_chain, write_checkpoint,
                                             write_payloads)

# What nl1d's tools switch on: every mmengine load path through nl1d's
# loader (import nl1d alone leaves mmengine as it is).
nl1d.setup_env()


@pytest.fixture(scope='module')
def payloads(tmp_path_factory):
    """Every payload on disk: [(name, path, marker, expected)]."""
    return write_payloads(str(tmp_path_factory.mktemp('payloads')))


@pytest.fixture(scope='module')
def server(payloads):
    """An HTTP server on 127.0.0.1 serving the payload folder."""
    folder = osp.dirname(payloads[0][1])
    handler = functools.partial(
        http.server.SimpleHTTPRequestHandler, directory=folder)
    handler.log_message = lambda *args: None
    httpd = http.server.ThreadingHTTPServer(('127.0.0.1', 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f'http://127.0.0.1:{httpd.server_address[1]}'
    httpd.shutdown()


def _no_marker(payloads):
    made = [marker for _, _, marker, _ in payloads if osp.exists(marker)]
    assert not made, f'payloads ran code: {made}'


def _python(code: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, '-c', textwrap.dedent(code)],
                          cwd=REPO, env=tool_env(REPO), capture_output=True,
                          text=True, timeout=240, **kwargs)


def test_gadget_chains_are_live_without_nl1d_loader(tmp_path):
    """Control: the payloads are real exploits where the allow-list has
    getattr (nl1d's old process-wide list) or the real HistoryBuffer."""
    marker = str(tmp_path / 'pwned')
    path = write_checkpoint(str(tmp_path / 'chain.pth'),
                            checkpoint(getattr_chain(marker)))
    hb_path = str(tmp_path / 'hb.pth')
    write_checkpoint(hb_path, checkpoint(
        PAYLOADS['history_buffer_state'][0](marker)))
    proc = _python(f'''
        import torch
        from mmengine.logging import HistoryBuffer
        with torch.serialization.safe_globals([getattr]):
            try:
                torch.load({path!r}, weights_only=True)
            except Exception:
                pass  # the command has run before the type check fails
        with torch.serialization.safe_globals([HistoryBuffer]):
            torch.load({hb_path!r}, weights_only=True)
        print('planted', HistoryBuffer._statistics_methods['mean'].__name__)
    ''')
    assert osp.exists(marker), proc.stderr[-3000:]
    assert 'planted _rebuild_from_type_v2' in proc.stdout


@pytest.mark.parametrize('name', sorted(PAYLOADS))
def test_safe_load_refuses(name, payloads, monkeypatch):
    _, path, marker, expected = next(p for p in payloads if p[0] == name)
    before = set(map(str, torch.serialization.get_safe_globals()))
    # weights_only=True is explicit: the env switch cannot turn it off
    monkeypatch.setenv('TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD', '1')
    with pytest.raises(UnsafeCheckpointError) as info:
        safe_load(path)
    assert expected in str(info.value)
    assert 'Nothing from it was executed' in str(info.value)
    assert not osp.exists(marker)
    # the stand-ins were in scope for that load only
    assert set(map(str, torch.serialization.get_safe_globals())) == before


def test_plain_torch_load_after_import_refuses(payloads):
    for _, path, marker, _ in payloads:
        with pytest.raises(Exception) as info:
            torch.load(path, weights_only=True)
        assert isinstance(info.value, (torch.serialization.pickle.
                                       UnpicklingError, TypeError))
    _no_marker(payloads)
    # and in a fresh process that imported nl1d, the gadget chain
    name, path, marker, _ = payloads[0]
    proc = _python(f'''
        import pickle, torch, nl1d
        try:
            torch.load({path!r}, weights_only=True)
        except pickle.UnpicklingError as e:
            print('refused:', str(e).splitlines()[0][:80])
    ''')
    assert 'refused' in proc.stdout, proc.stderr[-3000:]
    assert not osp.exists(marker)


def test_every_loader_scheme_is_nl1d_s():
    schemes = CheckpointLoader._schemes  # no public listing
    assert set(SAFE_SCHEMES) <= set(schemes)
    for prefix, loader in schemes.items():
        assert loader.__module__ == 'nl1d.checkpoint.schemes', prefix
    import mmengine.runner.checkpoint as mmengine_checkpoint
    assert mmengine_checkpoint.load_url.__module__ == 'nl1d.checkpoint.schemes'


def test_every_scheme_refuses(payloads, server, tmp_path, monkeypatch):
    monkeypatch.setenv('NO_PROXY', '127.0.0.1,localhost')
    monkeypatch.setenv('no_proxy', '127.0.0.1,localhost')
    monkeypatch.setenv('TORCH_HOME', str(tmp_path / 'torch_home'))
    # open-mmlab:// names resolve through $MMENGINE_HOME/open_mmlab.json
    home = tmp_path / 'mmengine_home'
    home.mkdir()
    monkeypatch.setenv('MMENGINE_HOME', str(home))
    import mmengine.runner.checkpoint as mmengine_checkpoint
    monkeypatch.setattr(mmengine_checkpoint, 'get_torchvision_models',
                        lambda: {p[0]: f'{server}/{p[0]}.pth'
                                 for p in payloads})
    monkeypatch.setattr(mmengine_checkpoint, 'get_mmcls_models',
                        lambda: {p[0]: f'{server}/{p[0]}.pth'
                                 for p in payloads})
    external = {}
    for name, path, _, _ in payloads:
        local = home / f'{name}.pth'
        local.write_bytes(open(path, 'rb').read())
        external[f'local_{name}'] = f'{name}.pth'
        external[f'url_{name}'] = f'{server}/{name}.pth'
    (home / 'open_mmlab.json').write_text(json.dumps(external))
    from mmengine import fileio
    monkeypatch.setattr(fileio, 'get', lambda path, backend_args=None: open(
        osp.join(osp.dirname(payloads[0][1]), osp.basename(path)),
        'rb').read())
    for name, path, _, expected in payloads:
        for filename in (path, 'file://' + path, f'{server}/{name}.pth',
                         f'torchvision://{name}', f'modelzoo://{name}',
                         f'open-mmlab://local_{name}',
                         f'openmmlab://url_{name}', f'mmcls://{name}',
                         f's3://bucket/{name}.pth',
                         f'cluster:petrel://bucket/{name}.pth'):
            with pytest.raises(UnsafeCheckpointError) as info:
                CheckpointLoader.load_checkpoint(filename, map_location='cpu')
            assert expected in str(info.value), filename
    with pytest.raises(UnsafeCheckpointError, match="'pavi://'"):
        CheckpointLoader.load_checkpoint('pavi://model/1', map_location='cpu')
    _no_marker(payloads)


def test_model_load_paths_refuse(payloads):
    from mmaction.apis import init_recognizer
    for name, path, _, expected in payloads:
        model = ResNet1d(18, base_channels=4)
        with pytest.raises(UnsafeCheckpointError, match=expected):
            load_checkpoint(model, path, map_location='cpu')
        with pytest.raises(UnsafeCheckpointError, match=expected):
            init_recognizer(TINY_CONFIG, path, device='cpu')
        for pretrained2d in (True, False):  # 2D->1D deflation, or not
            model = ResNet1d(
                18, base_channels=4, pretrained=path,
                pretrained2d=pretrained2d)
            with pytest.raises(UnsafeCheckpointError, match=expected):
                model.init_weights()
    _no_marker(payloads)


@pytest.mark.slow
def test_tools_refuse(payloads, tmp_path):
    """tools/test.py, tools/train.py --resume and load_from, every payload,
    in one driver process (each run as its own ``__main__``)."""
    data = write_tiny_dataset(str(tmp_path / 'data'))
    cases = [(name, path, expected) for name, path, _, expected in payloads]
    driver = f'''
        import json, runpy, sys, traceback
        results = []
        for name, path, expected in {cases!r}:
            for tool, args in (
                    ('tools/test.py', [{TINY_CONFIG!r}, path]),
                    ('tools/train.py', [{TINY_CONFIG!r}, '--resume', path]),
                    ('tools/train.py', [{TINY_CONFIG!r}, '--cfg-options',
                                        'load_from=' + path])):
                sys.argv = [tool] + args + [
                    '--work-dir', {str(tmp_path / 'w')!r} + '/' + name]
                try:
                    runpy.run_path(tool, run_name='__main__')
                    error = ('none', '')
                except BaseException as e:
                    error = (type(e).__name__, str(e))
                results.append((name, ' '.join(args[1:2]), expected) + error)
        print('RESULTS' + json.dumps(results))
    '''
    proc = subprocess.run([sys.executable, '-c', textwrap.dedent(driver)],
                          cwd=REPO, env=tool_env(data), capture_output=True,
                          text=True, timeout=600)
    line = next((x for x in proc.stdout.splitlines()
                 if x.startswith('RESULTS')), None)
    assert line, proc.stdout[-2000:] + proc.stderr[-4000:]
    results = json.loads(line[len('RESULTS'):])
    assert len(results) == 3 * len(payloads)
    for name, how, expected, error, message in results:
        assert error == 'UnsafeCheckpointError', (name, how, error, message)
        assert expected in message, (name, how, message)
    assert 'Epoch(train)' not in proc.stdout + proc.stderr
    assert 'Epoch(test)' not in proc.stdout + proc.stderr
    _no_marker(payloads)


def _as_plain_mmengine(path: str, out: str) -> None:
    """Re-save an nl1d checkpoint as plain mmengine 0.10.7 writes it:
    HistoryBuffer objects (their statistics pickled through getattr) and
    numpy scalars/arrays."""
    ckpt = safe_load(path)
    hub = ckpt['message_hub']
    assert all(isinstance(v, HistoryBuffer)
               for v in hub['log_scalars'].values())
    hub['runtime_info']['eta'] = np.float64(1.5)
    hub['runtime_info']['an_array'] = np.arange(3, dtype=np.int64)
    torch.save(ckpt, out)


@pytest.mark.slow
def test_nl1d_checkpoints_need_no_allow_list_and_mmengine_ones_load(
        tmp_path):
    data = write_tiny_dataset(str(tmp_path / 'data'))
    work = str(tmp_path / 'w')
    run_tool(['tools/train.py', TINY_CONFIG, '--work-dir', work,
              '--seed', '0', '--cfg-options', 'train_cfg.max_epochs=1'],
             data)
    ckpt = osp.join(work, 'epoch_1.pth')
    # what nl1d writes needs nothing beyond torch's default allow-list
    assert torch.serialization.get_unsafe_globals_in_checkpoint(ckpt) == []
    plain = torch.load(ckpt, weights_only=True)
    assert plain['message_hub']['log_scalars']  # logged values are kept
    # ... and comes back as the message hub saved it
    loaded = safe_load(ckpt)
    buffers = loaded['message_hub']['log_scalars']
    assert all(isinstance(v, HistoryBuffer) for v in buffers.values())
    key = next(iter(buffers))
    assert torch.equal(
        plain['message_hub']['log_scalars'][key]['log_history'],
        torch.from_numpy(buffers[key]._log_history))

    # a checkpoint as plain mmengine writes it (numpy, getattr inside)
    legacy = str(tmp_path / 'mmengine.pth')
    _as_plain_mmengine(ckpt, legacy)
    unsafe = set(torch.serialization.get_unsafe_globals_in_checkpoint(legacy))
    assert {'builtins.getattr',
            'mmengine.logging.history_buffer.HistoryBuffer'} <= unsafe
    reread = safe_load(legacy)
    assert reread['message_hub']['runtime_info']['eta'] == 1.5
    assert np.array_equal(reread['message_hub']['runtime_info']['an_array'],
                          np.arange(3))
    assert np.array_equal(
        reread['message_hub']['log_scalars'][key]._log_history,
        buffers[key]._log_history)
    test = run_tool(['tools/test.py', TINY_CONFIG, legacy, '--work-dir',
                     str(tmp_path / 't')], data)
    assert 'Epoch(test)' in test.stdout + test.stderr
    resumed = run_tool([
        'tools/train.py', TINY_CONFIG, '--work-dir', str(tmp_path / 'r'),
        '--resume', legacy, '--cfg-options', 'train_cfg.max_epochs=2'
    ], data)
    assert 'resumed epoch: 1' in resumed.stdout + resumed.stderr


def test_stand_ins_accept_only_mmengine_s_forms():
    """What a stand-in accepts, beside what it refuses (the payloads)."""
    from nl1d.checkpoint.records import (Refusal, _DtypeRecord,
                                               _HistoryBufferRecord,
                                               _statistic_ref)
    assert _statistic_ref(_HistoryBufferRecord, 'mean').name == 'mean'
    for args in ((HistoryBuffer, 'mean'), (_HistoryBufferRecord, 'update'),
                 (_HistoryBufferRecord, '__class__'), (dict, 'get')):
        with pytest.raises(Refusal, match='builtins.getattr'):
            _statistic_ref(*args)
    assert _DtypeRecord('f8', False, True).dtype() == np.float64
    for spec in ('O', 'U8', 'V8', 'f8,i8', 'S3', 'M8[s]'):
        with pytest.raises(Refusal, match='numpy.dtype'):
            _DtypeRecord(spec, False, True)
    # round trip of numpy content through torch.save and safe_load
    buf = io.BytesIO()
    torch.save({'a': np.arange(6, dtype=np.float32).reshape(2, 3),
                'b': np.float64(2.5), 'c': np.array([True, False]),
                'd': np.asfortranarray(np.arange(6).reshape(2, 3))}, buf)
    buf.seek(0)
    out = safe_load(buf)
    assert out['a'].dtype == np.float32 and out['a'][1, 2] == 5
    assert out['b'] == 2.5 and out['c'].tolist() == [True, False]
    assert np.array_equal(out['d'], np.arange(6).reshape(2, 3))
