# Copyright (c) nl1d contributors. All rights reserved.
"""Distributed launch that also works without a GPU.

mmengine 0.10.7's launchers (``mmengine.dist.init_dist``) call
``torch.cuda.set_device`` unconditionally, so ``--launcher pytorch`` fails on
a CPU-only machine, and the Runner wraps the model in DDP with
``device_ids=[LOCAL_RANK]``, which DDP rejects for a CPU module. mmaction2's
default runtime also asks for ``nccl``, which needs GPUs. :func:`setup_dist`
repairs all three before the Runner is built: it picks the backend (``gloo``
without CUDA, ``nccl`` with it), initialises the process group itself when
there is no GPU (the Runner then skips its own initialisation) and configures
the DDP wrapper for CPU. :func:`teardown_dist` destroys the process group at
the end of a run; :func:`exit_dist_worker` also ends a launched worker
without interpreter finalisation, where gloo's threads still abort now and
then ("terminate called without an active exception") and turn a finished
run into a failed one.
"""
import logging
import os
import subprocess
import sys
from datetime import timedelta

import torch
import torch.distributed as torch_dist
from mmengine.config import Config

_LAUNCHERS = ('none', 'pytorch', 'slurm', 'mpi')


def default_backend() -> str:
    """The collective backend for this machine.

    Returns:
        str: ``'nccl'`` when CUDA is available, else ``'gloo'``.
    """
    return 'nccl' if torch.cuda.is_available() else 'gloo'


def _env_from_slurm() -> None:
    """Translate SLURM's variables into torch.distributed's ``env://`` ones,
    as ``mmengine.dist.utils._init_dist_slurm`` does, minus the CUDA call."""
    os.environ['RANK'] = os.environ['SLURM_PROCID']
    os.environ['WORLD_SIZE'] = os.environ['SLURM_NTASKS']
    os.environ['LOCAL_RANK'] = os.environ.get('SLURM_LOCALID', '0')
    os.environ.setdefault('MASTER_PORT', '29500')
    if 'MASTER_ADDR' not in os.environ:
        node_list = os.environ['SLURM_NODELIST']
        os.environ['MASTER_ADDR'] = subprocess.getoutput(
            f'scontrol show hostname {node_list} | head -n1')


def _env_from_mpi() -> None:
    """Translate Open MPI's variables into torch.distributed's ones."""
    os.environ['RANK'] = os.environ['OMPI_COMM_WORLD_RANK']
    os.environ['WORLD_SIZE'] = os.environ['OMPI_COMM_WORLD_SIZE']
    os.environ['LOCAL_RANK'] = os.environ['OMPI_COMM_WORLD_LOCAL_RANK']
    os.environ.setdefault('MASTER_PORT', '29500')
    if 'MASTER_ADDR' not in os.environ:
        raise KeyError('--launcher mpi: the environment variable MASTER_ADDR '
                       'is not set; export it to the address of rank 0.')


def init_cpu_process_group(launcher: str,
                           backend: str = 'gloo',
                           timeout: float = 1800) -> None:
    """Initialise the default process group without touching CUDA.

    Args:
        launcher (str): ``'pytorch'`` (torchrun sets ``RANK``,
            ``WORLD_SIZE``, ``MASTER_ADDR``, ``MASTER_PORT``), ``'slurm'`` or
            ``'mpi'``.
        backend (str): The collective backend. Defaults to ``'gloo'``.
        timeout (float): Collective timeout in seconds. Defaults to 1800.
    """
    if launcher == 'slurm':
        _env_from_slurm()
    elif launcher == 'mpi':
        _env_from_mpi()
    elif launcher != 'pytorch':
        raise ValueError(f'--launcher must be one of {_LAUNCHERS}, got '
                         f'{launcher!r}.')
    for key in ('RANK', 'WORLD_SIZE', 'MASTER_ADDR', 'MASTER_PORT'):
        if key not in os.environ:
            raise KeyError(
                f'--launcher {launcher}: the environment variable {key} is '
                'not set. Start the processes with `torchrun` (see '
                'tools/dist_train.sh) or srun (tools/slurm_train.sh).')
    torch_dist.init_process_group(
        backend=backend,
        rank=int(os.environ['RANK']),
        world_size=int(os.environ['WORLD_SIZE']),
        timeout=timedelta(seconds=timeout))


def setup_dist(cfg: Config) -> None:
    """Prepare ``cfg`` (and the process group) for ``cfg.launcher``.

    Sets ``cfg.env_cfg.dist_cfg.backend`` (``gloo`` without CUDA, ``nccl``
    with it unless the config names another backend). Without CUDA and with a
    launcher other than ``'none'`` it also initialises the gloo process group
    and sets ``cfg.model_wrapper_cfg`` so that DDP wraps a CPU module
    (``device_ids=None``). Does nothing for ``launcher='none'``.

    Args:
        cfg (Config): The merged config; ``cfg.launcher`` must be set.
    """
    launcher = cfg.get('launcher', 'none')
    if launcher == 'none':
        return
    # Assign, then read back: Config stores a converted copy of a new dict,
    # so the value setdefault returns is not the one the config holds.
    if cfg.get('env_cfg') is None:
        cfg.env_cfg = dict()
    if cfg.env_cfg.get('dist_cfg') is None:
        cfg.env_cfg.dist_cfg = dict()
    dist_cfg = cfg.env_cfg.dist_cfg
    on_gpu = torch.cuda.is_available()
    if not on_gpu or 'backend' not in dist_cfg:
        dist_cfg['backend'] = default_backend()
    if on_gpu:
        return  # mmengine's own launcher works with CUDA
    if not torch_dist.is_initialized():
        init_cpu_process_group(
            launcher,
            backend=dist_cfg['backend'],
            timeout=dist_cfg.get('timeout', 1800))
    wrapper = cfg.get('model_wrapper_cfg') or dict(
        type='MMDistributedDataParallel',
        broadcast_buffers=False,
        find_unused_parameters=cfg.get('find_unused_parameters', False))
    wrapper['device_ids'] = None  # DDP rejects device ids for CPU modules
    cfg.model_wrapper_cfg = wrapper


def teardown_dist() -> None:
    """Wait for every rank, then destroy the process group.

    Without this, gloo runs sometimes abort at interpreter exit (SIGABRT,
    "terminate called without an active exception") after a successful run.
    """
    if torch_dist.is_available() and torch_dist.is_initialized():
        torch_dist.barrier()
        torch_dist.destroy_process_group()


def exit_dist_worker() -> None:
    """End a distributed worker after a successful run; nothing otherwise.

    Waits for every rank, destroys the process group, flushes the logs and
    leaves with status 0 through ``os._exit``. Even after
    ``destroy_process_group`` a gloo worker sometimes aborts while the
    interpreter finalises (SIGABRT, "terminate called without an active
    exception": gloo's threads still hold objects with Python references,
    see pytorch/pytorch#179291), after its results were written. mmengine
    has closed the visualizer and the checkpoints by then and its log
    handlers flush every record, so skipping finalisation loses nothing.
    Call it last in a tool's ``main``; a process that was not launched
    distributed returns from it unchanged.
    """
    if not (torch_dist.is_available() and torch_dist.is_initialized()):
        return
    teardown_dist()
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)
