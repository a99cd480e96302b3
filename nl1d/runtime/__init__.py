# Copyright (c) nl1d contributors. All rights reserved.
"""The process around a run: what ``import nl1d`` needs to import mmaction2
(:mod:`~nl1d.runtime.stack_repairs`, scoped to that import), what nl1d's
tools switch on explicitly (:mod:`~nl1d.runtime.setup_env`,
:mod:`~nl1d.runtime.known_warnings`), distributed launch
(:mod:`~nl1d.runtime.dist`), the command-line pieces every tool shares
(:mod:`~nl1d.runtime.cli`), progress lines (:mod:`~nl1d.runtime.progress`)
and the environment report (:mod:`~nl1d.runtime.collect_env`).

It imports nothing of nl1d but :mod:`nl1d.checkpoint` (whose loaders
:func:`setup_env` installs) and :mod:`nl1d.version`.
"""
from .cli import (add_cfg_options, add_launcher_args, load_config,
                  set_local_rank)
from .dist import (default_backend, exit_dist_worker, setup_dist,
                   teardown_dist)
from .progress import ProgressBar, track
from .setup_env import setup_env
from .stack_repairs import import_mmaction_models

__all__ = [
    'setup_env', 'import_mmaction_models', 'add_cfg_options',
    'add_launcher_args', 'load_config', 'set_local_rank', 'default_backend',
    'exit_dist_worker', 'setup_dist', 'teardown_dist', 'ProgressBar', 'track'
]
