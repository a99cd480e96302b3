# Copyright (c) nl1d contributors. All rights reserved.
from .checkpoint import (AtomicLocalBackend, CheckpointMismatchError,
                         UnsafeCheckpointError, atomic_write,
                         check_checkpoint_fits, check_state_dict,
                         find_resumable_checkpoint, is_complete_checkpoint,
                         safe_load)
from .compat import (allow_mmengine_checkpoint_globals, install_drn_stub,
                     install_safe_checkpoint_loaders)
from .config_check import ConfigError, check_config
from .dist import default_backend, setup_dist, teardown_dist


def collect_env():
    """See :func:`nl1d.utils.collect_env.collect_env` (imported lazily: it
    imports mmaction, which must come after ``install_drn_stub``)."""
    from .collect_env import collect_env as _collect_env
    return _collect_env()


__all__ = [
    'install_drn_stub', 'allow_mmengine_checkpoint_globals',
    'install_safe_checkpoint_loaders', 'safe_load', 'UnsafeCheckpointError',
    'CheckpointMismatchError', 'check_state_dict', 'check_checkpoint_fits',
    'atomic_write', 'AtomicLocalBackend', 'is_complete_checkpoint',
    'find_resumable_checkpoint', 'ConfigError', 'check_config',
    'default_backend', 'setup_dist', 'teardown_dist', 'collect_env'
]
