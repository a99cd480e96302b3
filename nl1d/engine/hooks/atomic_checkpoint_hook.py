# Copyright (c) nl1d contributors. All rights reserved.
"""Deprecated module path: the hook lives in :mod:`nl1d.checkpoint.hook`
(configs that list this module in ``custom_imports`` keep working)."""
import warnings

from nl1d.checkpoint.hook import AtomicCheckpointHook

warnings.warn(
    'nl1d.engine.hooks.atomic_checkpoint_hook has moved: import '
    'AtomicCheckpointHook from nl1d.checkpoint (custom_imports='
    "['nl1d'] registers it).",
    DeprecationWarning,
    stacklevel=2)

__all__ = ['AtomicCheckpointHook']
