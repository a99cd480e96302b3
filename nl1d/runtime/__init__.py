# Copyright (c) nl1d contributors. All rights reserved.
"""Process-level setup: what ``import nl1d`` needs to import mmaction2
(scoped to that import) and what nl1d's tools switch on explicitly."""
from .setup_env import setup_env
from .stack_repairs import import_mmaction_models

__all__ = ['setup_env', 'import_mmaction_models']
