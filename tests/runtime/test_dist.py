# Copyright (c) nl1d contributors. All rights reserved.
"""setup_dist: the backend for the machine, a CPU process group and a DDP
wrapper for CPU modules, whatever the config asked for."""
import pytest
import torch
import torch.distributed as torch_dist
from mmengine.config import Config

from nl1d.runtime.dist import (default_backend, exit_dist_worker, setup_dist,
                             teardown_dist)
from tests.tools.tiny_signal_utils import free_port


def _cfg(launcher: str, **kwargs) -> Config:
    return Config(dict(launcher=launcher,
                       env_cfg=dict(dist_cfg=dict(backend='nccl')),
                       **kwargs))


@pytest.mark.parametrize('cuda, backend', [(True, 'nccl'), (False, 'gloo')])
def test_default_backend_follows_cuda(monkeypatch, cuda, backend):
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: cuda)
    assert default_backend() == backend


def test_no_launcher_leaves_the_config_alone():
    cfg = _cfg('none')
    setup_dist(cfg)
    assert cfg.env_cfg.dist_cfg.backend == 'nccl'
    assert 'model_wrapper_cfg' not in cfg


def test_with_cuda_the_config_keeps_its_backend(monkeypatch):
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: True)
    cfg = Config(dict(launcher='pytorch', env_cfg=dict(
        dist_cfg=dict(backend='mpi'))))
    setup_dist(cfg)  # mmengine's launcher initialises on GPUs
    assert cfg.env_cfg.dist_cfg.backend == 'mpi'
    assert not torch_dist.is_initialized()
    cfg = Config(dict(launcher='pytorch'))
    setup_dist(cfg)
    assert cfg.env_cfg.dist_cfg.backend == 'nccl'


def test_cpu_launch_uses_gloo_and_a_cpu_ddp_wrapper(monkeypatch):
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: False)
    for key, value in dict(RANK='0', WORLD_SIZE='1', MASTER_ADDR='127.0.0.1',
                           MASTER_PORT=str(free_port())).items():
        monkeypatch.setenv(key, value)
    cfg = _cfg('pytorch', find_unused_parameters=True)
    assert not torch_dist.is_initialized()
    try:
        setup_dist(cfg)
        assert torch_dist.is_initialized()
        assert torch_dist.get_backend() == 'gloo'
        assert torch_dist.get_world_size() == 1
    finally:
        teardown_dist()
    assert not torch_dist.is_initialized()
    assert cfg.env_cfg.dist_cfg.backend == 'gloo'  # 'nccl' needs GPUs
    assert cfg.model_wrapper_cfg == dict(
        type='MMDistributedDataParallel', broadcast_buffers=False,
        find_unused_parameters=True, device_ids=None)


def test_cpu_launch_without_torchrun_names_the_missing_variable(
        monkeypatch):
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: False)
    for key in ('RANK', 'WORLD_SIZE', 'MASTER_ADDR', 'MASTER_PORT'):
        monkeypatch.delenv(key, raising=False)
    with pytest.raises(KeyError, match='RANK is not set.*torchrun'):
        setup_dist(_cfg('pytorch'))
    with pytest.raises(ValueError, match='--launcher must be one of'):
        setup_dist(_cfg('ssh'))


def test_exit_dist_worker_leaves_a_plain_process_running():
    assert not torch_dist.is_initialized()
    exit_dist_worker()  # not launched distributed: returns, no exit
    assert not torch_dist.is_initialized()
