# Copyright (c) nl1d contributors. All rights reserved.
"""The process-wide settings nl1d's tools switch on, and only they.

``import nl1d`` registers modules and changes nothing else (configs reach it
through ``custom_imports=['nl1d']`` in every process that loads them).
:func:`setup_env` is called by nl1d's tools (``tools/train.py``,
``tools/test.py``, the demo, the analysis tools that load checkpoints) and
by :class:`~nl1d.engine.hooks.SetupEnvHook`, which the default runtime
config adds, so a run started from mmaction2's own tools gets it too.
"""
from typing import List

from nl1d.checkpoint.schemes import install_safe_checkpoint_loaders

from .known_warnings import filter_known_warnings

_switched_on: List[str] = []


def setup_env() -> List[str]:
    """Switch on nl1d's process-wide settings; idempotent.

    1. Every mmengine checkpoint load path reads through nl1d's
       data-only loader (:func:`nl1d.checkpoint.load.safe_load`):
       ``CheckpointLoader``'s schemes are re-registered and
       ``mmengine.runner.checkpoint.load_url`` replaced
       (:func:`~nl1d.checkpoint.schemes.install_safe_checkpoint_loaders`).
       This is mmengine #1655 (torch >= 2.6 refuses mmengine's full
       checkpoints) and the promise that a checkpoint cannot run code:
       config strings inside checkpoints are dropped, so ``--resume`` and
       mmengine's inferencers never evaluate them.
    2. The known, unactionable notices of the pinned stack are filtered
       (:func:`~nl1d.runtime.known_warnings.filter_known_warnings`;
       ``NL1D_SHOW_ALL_WARNINGS=1`` shows them).

    torch's weights-only allow-list is never touched.

    Returns:
        list[str]: What was switched on by this call (empty when it already
        was).
    """
    if _switched_on:
        return []
    install_safe_checkpoint_loaders()
    filter_known_warnings()
    _switched_on.extend([
        'mmengine checkpoint loaders -> nl1d.checkpoint.load',
        'known stack notices filtered'
    ])
    return list(_switched_on)
