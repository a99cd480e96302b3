# Copyright (c) nl1d contributors. All rights reserved.
"""Deprecated: the names of the former ``nl1d.utils``, at their new homes.

``nl1d.utils`` held checkpoint IO, distributed launch, the command line,
progress, the environment report and config checks. They now live where
they belong (``docs/architecture.md``):

- checkpoints: :mod:`nl1d.checkpoint` (``load``, ``schemes``, ``records``,
  ``private_unpickler``, ``plain``, ``save``, ``resume``, ``fit``, ``hook``);
- the process: :mod:`nl1d.runtime` (``dist``, ``cli``, ``progress``,
  ``collect_env``);
- config checks before the Runner: :mod:`nl1d.engine.config_check`.

Every name ``nl1d.utils`` exported, and every name of its former submodules
(``nl1d.utils.safe_load``, ``nl1d.utils.dist``...), still imports from here
and from those submodules, with a :class:`DeprecationWarning` naming the new
import. Nothing in nl1d imports this package.
"""
import importlib
import sys
import types
import warnings
from typing import Any, Callable, Dict

#: Each name ``nl1d.utils`` exported -> the module it lives in now.
MOVED: Dict[str, str] = {
    'safe_load': 'nl1d.checkpoint.load',
    'UnsafeCheckpointError': 'nl1d.checkpoint.load',
    'install_safe_checkpoint_loaders': 'nl1d.checkpoint.schemes',
    'CheckpointMismatchError': 'nl1d.checkpoint.fit',
    'check_state_dict': 'nl1d.checkpoint.fit',
    'check_checkpoint_fits': 'nl1d.checkpoint.fit',
    'atomic_write': 'nl1d.checkpoint.save',
    'AtomicLocalBackend': 'nl1d.checkpoint.save',
    'is_complete_checkpoint': 'nl1d.checkpoint.resume',
    'find_resumable_checkpoint': 'nl1d.checkpoint.resume',
    'ConfigError': 'nl1d.engine.config_check',
    'check_config': 'nl1d.engine.config_check',
    'default_backend': 'nl1d.runtime.dist',
    'exit_dist_worker': 'nl1d.runtime.dist',
    'setup_dist': 'nl1d.runtime.dist',
    'teardown_dist': 'nl1d.runtime.dist',
    'collect_env': 'nl1d.runtime.collect_env',
    'add_cfg_options': 'nl1d.runtime.cli',
    'add_launcher_args': 'nl1d.runtime.cli',
    'set_local_rank': 'nl1d.runtime.cli',
    'load_config': 'nl1d.runtime.cli',
}

#: Each former submodule -> the modules its names live in now (searched in
#: order).
MOVED_MODULES: Dict[str, tuple] = {
    'safe_load': ('nl1d.checkpoint.load', 'nl1d.checkpoint.schemes'),
    'checkpoint_records': ('nl1d.checkpoint.records', ),
    'private_unpickler': ('nl1d.checkpoint.private_unpickler', ),
    'plain_checkpoint': ('nl1d.checkpoint.plain', ),
    'atomic_save': ('nl1d.checkpoint.save', ),
    'resume': ('nl1d.checkpoint.resume', ),
    'state_dict_check': ('nl1d.checkpoint.fit', ),
    'config_check': ('nl1d.engine.config_check', ),
    'dist': ('nl1d.runtime.dist', ),
    'cli': ('nl1d.runtime.cli', ),
    'collect_env': ('nl1d.runtime.collect_env', ),
    'progress': ('nl1d.runtime.progress', ),
}

__all__ = list(MOVED)


def _moved(old: str, name: str, new: str) -> Any:
    """``name`` from module ``new``, with a warning naming the import (from
    ``new``'s package when the package exports it)."""
    value = getattr(importlib.import_module(new), name)
    package = importlib.import_module(new.rsplit('.', 1)[0])
    if getattr(package, name, None) is value:
        new = package.__name__
    warnings.warn(
        f'{old}.{name} has moved: use `from {new} import {name}` '
        '(nl1d.utils is deprecated and will be removed).',
        DeprecationWarning,
        stacklevel=3)
    return value


def __getattr__(name: str) -> Any:
    if name in MOVED:
        return _moved(__name__, name, MOVED[name])
    raise AttributeError(f'module {__name__!r} has no attribute {name!r}')


def __dir__() -> list:
    return sorted(list(globals()) + __all__)


class _CallableModule(types.ModuleType):
    """A former submodule that also stands for the function of its name
    (``nl1d.utils.safe_load``, ``nl1d.utils.collect_env``), so that
    ``from nl1d.utils import safe_load`` gives something callable whether
    or not the submodule was imported before."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        short = self.__name__.rsplit('.', 1)[1]
        return _moved(__name__, short, MOVED[short])(*args, **kwargs)


def forward_module(old: str) -> Callable[[str], Any]:
    """Make the former submodule ``old`` forward its names, with a warning.

    Args:
        old (str): The submodule's ``__name__`` (``nl1d.utils.dist``...).

    Returns:
        callable: The module's ``__getattr__``.
    """
    targets = MOVED_MODULES[old.rsplit('.', 1)[1]]
    if old.rsplit('.', 1)[1] in MOVED:
        sys.modules[old].__class__ = _CallableModule

    def __getattr__(name: str) -> Any:
        if not name.startswith('__'):
            for new in targets:
                if hasattr(importlib.import_module(new), name):
                    return _moved(old, name, new)
        raise AttributeError(f'module {old!r} has no attribute {name!r}')

    return __getattr__
