# Copyright (c) nl1d contributors. All rights reserved.
"""Checkpoints as data: one module per job.

- :mod:`~nl1d.checkpoint.load`: :func:`safe_load`, a weights-only read that
  runs nothing from the file (with the inert stand-ins of
  :mod:`~nl1d.checkpoint.records` and the private unpickler of
  :mod:`~nl1d.checkpoint.private_unpickler`);
- :mod:`~nl1d.checkpoint.schemes`: paths and URLs (``torchvision://``,
  ``https://``...) read through it, and mmengine's loaders pointed at it;
- :mod:`~nl1d.checkpoint.plain`: the plain values nl1d writes;
- :mod:`~nl1d.checkpoint.save`: atomic writes;
- :mod:`~nl1d.checkpoint.hook`: :class:`AtomicCheckpointHook`, mmengine's
  checkpoint hook writing plain values atomically;
- :mod:`~nl1d.checkpoint.resume`: the newest complete checkpoint of a run;
- :mod:`~nl1d.checkpoint.fit`: whether a checkpoint fits a model.

This package imports no other part of nl1d: models read pretrained weights
through it, and :func:`nl1d.runtime.setup_env` installs its loaders.
"""
from .fit import (CheckpointMismatchError, check_checkpoint_fits,
                  check_state_dict)
from .hook import AtomicCheckpointHook
from .load import UnsafeCheckpointError, drop_config_strings, safe_load
from .plain import non_plain_values, to_plain
from .resume import find_resumable_checkpoint, is_complete_checkpoint
from .save import AtomicLocalBackend, atomic_write
from .schemes import (SAFE_SCHEMES, install_safe_checkpoint_loaders,
                      load_checkpoint, load_checkpoint_file)

__all__ = [
    'safe_load', 'UnsafeCheckpointError', 'drop_config_strings',
    'SAFE_SCHEMES', 'install_safe_checkpoint_loaders', 'load_checkpoint',
    'load_checkpoint_file', 'to_plain', 'non_plain_values', 'atomic_write',
    'AtomicLocalBackend', 'AtomicCheckpointHook', 'is_complete_checkpoint',
    'find_resumable_checkpoint', 'CheckpointMismatchError',
    'check_state_dict', 'check_checkpoint_fits'
]
