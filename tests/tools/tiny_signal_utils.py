# Copyright (c) nl1d contributors. All rights reserved.
"""Shared by the tools tests: a tiny dataset on disk and a way to run the
tools in a subprocess, as users do."""
import os
import os.path as osp
import subprocess
import sys
from typing import Dict, List, Optional

import nl1d  # noqa: F401  # allow-list for full mmengine checkpoints
import numpy as np
import torch
from nl1d.datasets.annotation import format_line, write_annotation

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TINY_CONFIG = osp.join(REPO, 'tests', 'data', 'configs', 'tiny_signal.py')

#: A config of :func:`write_tiny_dataset`'s val and test splits (``root``
#: to format in) with the binary evaluators, for tools that read dumps.
EVAL_CONFIG = """
default_scope = 'mmaction'
records = dict(type='SignalDataset', data_root='{root}', num_classes=2,
               pipeline=[])
val_dataloader = dict(dataset=dict(ann_file='val.txt', test_mode=True,
                                   **records))
test_dataloader = dict(dataset=dict(ann_file='test.txt', test_mode=True,
                                    **records))
val_evaluator = [dict(type='AUCMetric'), dict(type='ThresholdMetric')]
test_evaluator = [
    dict(type='AUCMetric', n_bootstrap=20),
    dict(type='ThresholdMetric', frozen=True, n_bootstrap=20)
]
"""


def write_tiny_dataset(root: str,
                       num_train: int = 12,
                       num_val: int = 5,
                       num_test: int = 5,
                       channels: int = 2,
                       length: int = 192,
                       seed: int = 0) -> str:
    """Write float32 (channels, length) records and the three annotation
    files (``path num_samples label`` per line) into ``root``.

    Class 1 records carry a 5 Hz sine (at 100 Hz), class 0 records only
    noise. Odd ``num_val`` / ``num_test`` leave a remainder with 2 processes.

    Returns:
        str: ``root``.
    """
    rng = np.random.default_rng(seed)
    os.makedirs(osp.join(root, 'signals'), exist_ok=True)
    t = np.arange(length) / 100.0
    for split, count in (('train', num_train), ('val', num_val),
                         ('test', num_test)):
        lines = []
        for i in range(count):
            label = i % 2
            x = rng.normal(0, 0.5, (channels, length))
            x += label * np.sin(2 * np.pi * 5 * t)
            rel = f'signals/{split}_{i:03d}.npy'
            np.save(osp.join(root, rel), x.astype(np.float32))
            lines.append(format_line(rel, length, label))
        write_annotation(osp.join(root, f'{split}.txt'), lines)
    return root


def tool_env(data_root: str,
             extra_pythonpath: Optional[str] = None) -> Dict[str, str]:
    """The environment for a tool subprocess: the repo importable, the tiny
    data found, one thread per process (2 cores are shared)."""
    env = dict(os.environ)
    paths = [REPO] + ([extra_pythonpath] if extra_pythonpath else [])
    env['PYTHONPATH'] = os.pathsep.join(paths + [env.get('PYTHONPATH', '')])
    env['NL1D_TINY_DATA'] = data_root
    env['OMP_NUM_THREADS'] = '1'
    env['PYTHONWARNINGS'] = 'ignore'
    return env


def run_tool(args: List[str],
             data_root: str,
             timeout: float = 240,
             check: bool = True,
             launcher: Optional[List[str]] = None,
             extra_pythonpath: Optional[str] = None
             ) -> subprocess.CompletedProcess:
    """Run ``python tools/<args>`` (or ``launcher + args``) from the repo.

    Raises:
        AssertionError: With the output's tail when ``check`` and the tool
            failed.
    """
    cmd = (launcher or [sys.executable]) + args
    proc = subprocess.run(
        cmd,
        cwd=REPO,
        env=tool_env(data_root, extra_pythonpath),
        capture_output=True,
        text=True,
        timeout=timeout)
    if check and proc.returncode != 0:
        raise AssertionError(
            f'{" ".join(cmd)} exited with {proc.returncode}:\n'
            f'{proc.stdout[-3000:]}\n{proc.stderr[-5000:]}')
    return proc


def load_state_dict(path: str) -> Dict[str, torch.Tensor]:
    """The model weights of a checkpoint (weights-only)."""
    return torch.load(path, map_location='cpu', weights_only=True)[
        'state_dict']


def assert_same_weights(path_a: str, path_b: str) -> None:
    """Both checkpoints hold bit-identical model weights."""
    a, b = load_state_dict(path_a), load_state_dict(path_b)
    assert a.keys() == b.keys()
    for key in a:
        assert torch.equal(a[key], b[key]), f'{key} differs'


def free_port() -> int:
    """A TCP port that is free now (for torchrun's rendezvous)."""
    import socket
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def load_results(path: str) -> list:
    """The records of a ``--dump`` result.pkl (written by our own run)."""
    import pickle
    with open(path, 'rb') as f:
        return pickle.load(f)


def assert_same_results(path_a: str, path_b: str) -> None:
    """Two result.pkl files hold the same records with bit-identical
    scores."""
    a, b = load_results(path_a), load_results(path_b)
    assert len(a) == len(b)
    for ra, rb in zip(a, b):
        assert ra['sample_idx'] == rb['sample_idx']
        assert ra['filename'] == rb['filename']
        assert torch.equal(ra['pred_score'], rb['pred_score'])
        assert torch.equal(ra['gt_label'], rb['gt_label'])
