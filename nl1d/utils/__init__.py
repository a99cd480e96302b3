# Copyright (c) nl1d contributors. All rights reserved.
from .atomic_save import AtomicLocalBackend, atomic_write
from .cli import (add_cfg_options, add_launcher_args, load_config,
                  set_local_rank)
# Binds the name to the function for good, as mmaction.utils does (a lazy
# import would rebind it to the submodule on the first call).
from .collect_env import collect_env
from .config_check import ConfigError, check_config
from .dist import (default_backend, exit_dist_worker, setup_dist,
                   teardown_dist)
from .resume import find_resumable_checkpoint, is_complete_checkpoint
from .safe_load import (UnsafeCheckpointError, install_safe_checkpoint_loaders,
                        safe_load)
from .state_dict_check import (CheckpointMismatchError, check_checkpoint_fits,
                               check_state_dict)

__all__ = [
    'install_safe_checkpoint_loaders', 'safe_load',
    'UnsafeCheckpointError',
    'CheckpointMismatchError', 'check_state_dict', 'check_checkpoint_fits',
    'atomic_write', 'AtomicLocalBackend', 'is_complete_checkpoint',
    'find_resumable_checkpoint', 'ConfigError', 'check_config',
    'default_backend', 'exit_dist_worker', 'setup_dist', 'teardown_dist',
    'collect_env',
    'add_cfg_options', 'add_launcher_args', 'set_local_rank', 'load_config'
]
