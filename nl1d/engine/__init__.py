# Copyright (c) nl1d contributors. All rights reserved.
"""What runs around mmengine's Runner: hooks, optimizer wrappers and the
config checks made before the Runner is built."""
from .config_check import ConfigError, check_config
from .hooks import *  # noqa: F401,F403
from .optimizers import *  # noqa: F401,F403
from .run_config import merge_test_args, merge_train_args
