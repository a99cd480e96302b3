# Copyright (c) nl1d contributors. All rights reserved.
"""The air-gapped install kit, as a GPU user runs it
(docs/gpu_and_offline_install.md).

``tools/make_wheelhouse.sh`` fills a wheelhouse from the registry (cached
between runs); a fresh venv with torch 2.13.0 stands for the machine's own
PyTorch; ``tools/install.sh --wheelhouse DIR --use-system-torch`` then
installs nl1d on top of it with no package index at all, and nl1d imports,
uses that torch, trains the quick-start config for an epoch with ``--amp``
and tests it. Plus what needs no download: the recipe's platform tags and
requirements, and the install script's refusals (no torch, too old a torch).
"""
import glob
import hashlib
import os
import os.path as osp
import platform
import shutil
import subprocess
import sys

import pytest

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))

INSTALL = osp.join(REPO, 'tools', 'install.sh')
MAKE = osp.join(REPO, 'tools', 'make_wheelhouse.sh')
CONFIG = osp.join(REPO, 'configs', 'nl1d', 'nl_r18_res5_8xb32_signal.py')
SMALL = [
    'train_dataloader.batch_size=4', 'val_dataloader.batch_size=4',
    'train_dataloader.num_workers=0', 'val_dataloader.num_workers=0',
    'test_dataloader.num_workers=0',
    'train_dataloader.persistent_workers=False',
    'val_dataloader.persistent_workers=False',
    'test_dataloader.persistent_workers=False'
]


def _offline_env(**extra) -> dict:
    """The environment with pip cut off from every source but the
    wheelhouse: no config files (they name find-links and indexes), no
    index, and an index URL that goes nowhere."""
    env = {k: v for k, v in os.environ.items() if not k.startswith('PIP_')}
    env.update(PIP_CONFIG_FILE=os.devnull, PIP_NO_INDEX='1',
               PIP_INDEX_URL='http://127.0.0.1:9/simple',
               PIP_DISABLE_PIP_VERSION_CHECK='1', **extra)
    return env


def _run(cmd, timeout=900, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, capture_output=True, text=True,
                          timeout=timeout, **kwargs)


def _dry_run(*args) -> tuple:
    proc = _run(['bash', MAKE, '/nonexistent/wheelhouse', '--dry-run', *args])
    assert proc.returncode == 0, proc.stderr
    pips = [line for line in proc.stdout.splitlines()
            if line.startswith('+ ')]
    reqs = [line.split('req: ')[1] for line in proc.stdout.splitlines()
            if 'req: ' in line]
    return pips, reqs


def test_the_recipe_downloads_wheels_for_the_target():
    pips, reqs = _dry_run('--python-version', '3.12', '--platform',
                          'manylinux_2_28_x86_64')
    assert len(pips) == 2
    for pip in pips:
        assert ' download --only-binary=:all: ' in pip
        assert '--python-version 3.12 --implementation cp' in pip
        # the given tag and every older one (numpy 2.4 is manylinux_2_28,
        # matplotlib manylinux2014), nothing newer
        for tag in ('manylinux_2_28_x86_64', 'manylinux_2_17_x86_64',
                    'manylinux2014_x86_64', 'manylinux1_x86_64'):
            assert f'--platform {tag} ' in pip
        assert 'manylinux_2_29' not in pip
    mmaction, stack = pips
    assert '--no-deps -r ' in mmaction and mmaction.endswith('mmaction.txt')
    assert '-c ' + osp.join(REPO, 'requirements', 'constraints.txt') in stack
    names = {r.split('>')[0].split('<')[0].split('=')[0] for r in reqs}
    assert 'torch' not in names  # the target's own
    assert {'mmengine', 'mmcv-lite', 'numpy', 'scipy', 'einops',
            'importlib-metadata', 'wfdb', 'vitaldb', 'pytest',
            'setuptools', 'wheel'} <= names
    assert not names & {'tensorboard', 'onnx', 'onnxruntime'}
    _, optional = _dry_run('--with-optional')
    assert {'tensorboard', 'onnx', 'onnxscript', 'onnxruntime'} <= set(
        optional)


def test_a_legacy_platform_tag_is_expanded_for_its_arch():
    pips, _ = _dry_run('--python-version', '3.10', '--platform',
                       'manylinux2014_aarch64')
    assert '--platform manylinux_2_17_aarch64 ' in pips[0]
    assert '--platform manylinux_2_18_aarch64' not in pips[0]
    assert 'x86_64' not in pips[0]


def _refusal(tmp_path, python: str, **env) -> subprocess.CompletedProcess:
    wheelhouse = tmp_path / 'wheelhouse'
    wheelhouse.mkdir(exist_ok=True)
    proc = _run(['bash', INSTALL, '--wheelhouse', str(wheelhouse),
                 '--use-system-torch'],
                env=_offline_env(PYTHON=python, VENV=str(tmp_path / 'venv'),
                                 **env))
    assert proc.returncode == 3, proc.stdout + proc.stderr
    assert not osp.exists(tmp_path / 'venv'), 'nothing is created'
    return proc


def test_use_system_torch_refuses_a_python_without_torch(tmp_path):
    # this Python without its site-packages: no torch
    python = tmp_path / 'python'
    python.write_text(f'#!/bin/sh\nexec {sys.executable} -S "$@"\n')
    python.chmod(0o755)
    proc = _refusal(tmp_path, str(python))
    assert f'{python} has no torch' in proc.stderr
    assert 'PyTorch >= 2.6' in proc.stderr


def test_use_system_torch_refuses_a_torch_older_than_supported(tmp_path):
    fake = tmp_path / 'old' / 'torch'
    fake.mkdir(parents=True)
    (fake / '__init__.py').write_text(
        "__version__ = '2.5.1+cu121'\n"
        "class version:\n    cuda = '12.1'\n")
    proc = _refusal(tmp_path, sys.executable,
                    PYTHONPATH=str(tmp_path / 'old'))
    assert 'torch 2.5.1+cu121' in proc.stderr
    assert 'older than nl1d supports: torch >= 2.6' in proc.stderr


def _cached_wheelhouse() -> str:
    """The wheelhouse for this Python, made once per recipe and kept in
    ``$NL1D_WHEELHOUSE_CACHE`` (default ``~/.cache/nl1d``)."""
    pyver = '%d.%d' % sys.version_info[:2]
    key = hashlib.sha256()
    for name in ('tools/make_wheelhouse.sh', 'requirements/runtime.txt',
                 'requirements/wheelhouse.txt', 'requirements/mmaction.txt',
                 'requirements/constraints.txt'):
        with open(osp.join(REPO, name), 'rb') as f:
            key.update(f.read())
    cache = os.environ.get('NL1D_WHEELHOUSE_CACHE') or osp.expanduser(
        osp.join('~', '.cache', 'nl1d'))
    final = osp.join(cache, f'wheelhouse-cp{pyver.replace(".", "")}-'
                     f'{key.hexdigest()[:12]}')
    if osp.isfile(osp.join(final, 'nl1d-wheelhouse.txt')):
        return final
    os.makedirs(cache, exist_ok=True)
    for old in glob.glob(osp.join(cache, 'wheelhouse-*')):
        shutil.rmtree(old)  # an older recipe's, or a half-made one
    partial = final + '.partial'
    proc = _run([
        'bash', MAKE, partial, '--python-version', pyver, '--platform',
        f'manylinux_2_28_{platform.machine()}'
    ], env=dict(os.environ, PYTHON=sys.executable))
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    os.replace(partial, final)
    return final


@pytest.mark.slow
def test_offline_install_on_top_of_an_existing_torch(tmp_path):
    wheelhouse = _cached_wheelhouse()
    wheels = os.listdir(wheelhouse)
    assert not [w for w in wheels if w.startswith('torch-')]
    assert any(w.startswith('mmaction2-1.2.0-') for w in wheels)

    # "the machine's PyTorch": a fresh venv with torch 2.13.0 (the local CPU
    # wheel: asking the registry for more would bring GBs of CUDA wheels)
    base = tmp_path / 'system'
    proc = _run([sys.executable, '-m', 'venv', str(base)])
    assert proc.returncode == 0, proc.stderr
    proc = _run([str(base / 'bin' / 'python'), '-m', 'pip', 'install', '-q',
                 'torch==2.13.0+cpu'])
    if proc.returncode != 0:
        pytest.skip('no CPU wheel of torch 2.13.0 here: ' + proc.stderr[-500:])

    venv = tmp_path / 'venv'
    env = _offline_env(PYTHON=str(base / 'bin' / 'python'), VENV=str(venv))
    proc = _run(['bash', INSTALL, '--wheelhouse', wheelhouse,
                 '--use-system-torch'], env=env)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-5000:]
    assert 'using torch 2.13.0+cpu (CPU-only build)' in out
    assert 'torch: keeping torch 2.13.0+cpu' in out
    assert f'ready in {venv}' in out
    site = glob.glob(str(venv / 'lib' / 'python*' / 'site-packages'))[0]
    assert not glob.glob(osp.join(site, 'torch*')), 'torch is not reinstalled'
    assert osp.isfile(osp.join(site, '_nl1d_base_env.pth'))
    # the stamp: a second run does nothing
    again = _run(['bash', INSTALL, '--wheelhouse', wheelhouse,
                  '--use-system-torch'], env=env)
    assert again.returncode == 0 and 'is up to date' in again.stdout

    python = str(venv / 'bin' / 'python')
    proc = _run([python, '-c', 'import nl1d, torch; print(torch.__file__)'],
                cwd=str(tmp_path))
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.strip().startswith(str(base))

    # tools/gpu_check.sh with that venv: nothing to install, no CUDA here
    proc = _run(['bash', osp.join(REPO, 'tools', 'gpu_check.sh'),
                 '--wheelhouse', wheelhouse, '--out',
                 str(tmp_path / 'gpu_check')],
                env=dict(env, OMP_NUM_THREADS='1'))
    assert proc.returncode == 3, (proc.stdout + proc.stderr)[-3000:]
    assert f'nl1d GPU check: {python}' in proc.stdout
    assert 'installing' not in proc.stdout
    assert osp.isfile(tmp_path / 'gpu_check' / 'report.json')

    # the quick-start config: an epoch with --amp, then its test
    work = tmp_path / 'quick'
    work.mkdir()
    run_env = dict(os.environ, OMP_NUM_THREADS='1')

    def tool(*args):
        proc = _run([python, *args], cwd=str(work), env=run_env, timeout=600)
        assert proc.returncode == 0, (proc.stdout + proc.stderr)[-5000:]
        return proc.stdout + proc.stderr

    tool(osp.join(REPO, 'tools', 'data', 'demo', 'generate_demo.py'),
         '--out', 'data/demo', '--seed', '1', '--num-records', '8', '4', '6')
    log = tool(osp.join(REPO, 'tools', 'train.py'), CONFIG, '--work-dir',
               'work', '--seed', '0', '--amp', '--cfg-options',
               'train_cfg.max_epochs=1', *SMALL)
    assert 'auc/auroc' in log
    best = glob.glob(str(work / 'work' / 'best_*.pth'))
    assert len(best) == 1
    log = tool(osp.join(REPO, 'tools', 'test.py'), CONFIG, best[0],
               '--work-dir', 'test', '--dump', 'result.pkl',
               '--cfg-options', *SMALL)
    assert 'auc/auroc' in log and osp.isfile(work / 'result.pkl')
