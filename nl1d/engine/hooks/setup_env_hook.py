# Copyright (c) nl1d contributors. All rights reserved.
"""Switch on nl1d's process-wide settings for a run built from a config."""
from mmengine.hooks import Hook

from mmaction.registry import HOOKS
from nl1d.runtime import setup_env


@HOOKS.register_module()
class SetupEnvHook(Hook):
    """Calls :func:`nl1d.runtime.setup_env` when the Runner builds its hooks,
    before it loads or resumes any checkpoint.

    ``import nl1d`` (the configs' ``custom_imports``) changes nothing
    process-wide; this hook, in ``custom_hooks`` of
    ``configs/_base_/default_runtime.py``, gives a run started from
    mmaction2's or mmengine's own tools the same data-only checkpoint
    loading and quiet start-up as nl1d's tools, which call
    :func:`~nl1d.runtime.setup_env` themselves.

    Examples:
        >>> custom_hooks = [dict(type='SetupEnvHook')]
    """

    priority = 'VERY_HIGH'

    def __init__(self) -> None:
        setup_env()
