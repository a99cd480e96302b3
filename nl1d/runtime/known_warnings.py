# Copyright (c) nl1d contributors. All rights reserved.
"""Silence the start-up notices of the pinned stack that no user can act on.

Every tool start used to print, before anything useful:

- mmcv-lite's ``UserWarning: Fail to import MultiScaleDeformableAttention``
  (mmcv-lite has no compiled ops by design; nl1d needs none);
- torch's ``DeprecationWarning``s for ``torch.jit.script`` /
  ``torch.jit.interface``, called by mmcv and mmaction at import;
- mmengine's ``"FileClient" will be deprecated`` and ``"HardDiskBackend" is
  the alias of "LocalBackend"`` (mmengine's own ``CheckpointHook`` creates a
  ``FileClient``; nothing in a config can avoid it);
- ``The prefix is not set in metric class DumpResults.`` (``--dump`` adds
  mmengine's ``DumpResults``, which takes no ``prefix`` and reports no
  metric).

:func:`ignore_import_notices` ignores the first three, by message,
category and emitting module, inside the ``warnings.catch_warnings()`` in
which ``import nl1d`` imports ``mmaction.models``
(:func:`nl1d.runtime.stack_repairs.import_mmaction_models`): the filters
are gone after the import. :func:`filter_known_warnings`, called by
:func:`nl1d.runtime.setup_env` (nl1d's tools), adds them for the process
and drops mmengine's two logged notices, each matched by its message and
the ``WARNING`` level of the mmengine module that logs it (that module's
``print_log`` is wrapped); every other warning and log message is left
alone. Set ``NL1D_SHOW_ALL_WARNINGS=1`` to see everything again.
"""
import importlib
import logging
import os
import re
import warnings
from typing import Callable, Optional, Pattern, Sequence, Tuple, Type

#: Python warnings: (message regex, category, regex of the emitting module).
KNOWN_WARNINGS: Tuple[Tuple[str, Type[Warning], str], ...] = (
    (r'Fail to import ``MultiScaleDeformableAttention``', UserWarning,
     r'mmcv\.cnn\.bricks\.transformer'),
    (r'`torch\.jit\.script` is deprecated', DeprecationWarning,
     r'torch\.jit\._script'),
    (r'`torch\.jit\.interface` is deprecated', DeprecationWarning,
     r'torch\.jit\._script'),
)

#: Notices mmengine logs through ``print_log(..., level=WARNING)``:
#: (module that logs them, message regexes).
KNOWN_LOG_NOTICES: Tuple[Tuple[str, Tuple[str, ...]], ...] = (
    ('mmengine.fileio.file_client',
     (r'^"FileClient" will be deprecated in future\.',
      r'^"HardDiskBackend" is the alias of "LocalBackend"')),
    ('mmengine.evaluator.metric',
     (r'^The prefix is not set in metric class DumpResults\.$', )),
)

#: Environment variable that turns the filters off.
SHOW_ALL_ENV = 'NL1D_SHOW_ALL_WARNINGS'


def _quiet_print_log(module_name: str, patterns: Sequence[str]) -> bool:
    """Wrap ``print_log`` of one mmengine module so that it drops the
    ``WARNING`` messages matching ``patterns`` and passes on everything else.

    Args:
        module_name (str): The module whose ``print_log`` global is wrapped.
        patterns (Sequence[str]): Regexes of the messages to drop.

    Returns:
        bool: Whether the wrapper was installed now (False when it already
        was, or the module or its ``print_log`` does not exist in this
        mmengine version).
    """
    try:
        module = importlib.import_module(module_name)
    except ImportError:
        return False
    original: Optional[Callable] = getattr(module, 'print_log', None)
    if original is None or getattr(original, '_nl1d_quiet', False):
        return False
    compiled: Tuple[Pattern, ...] = tuple(re.compile(p) for p in patterns)

    def print_log(msg, logger=None, level=logging.INFO) -> None:
        if level == logging.WARNING and isinstance(msg, str) and any(
                p.search(msg) for p in compiled):
            return
        original(msg, logger=logger, level=level)

    print_log._nl1d_quiet = True  # type: ignore[attr-defined]
    print_log.__wrapped__ = original  # type: ignore[attr-defined]
    module.print_log = print_log
    return True


def _show_all() -> bool:
    return os.environ.get(SHOW_ALL_ENV, '0') not in ('', '0')


def ignore_import_notices() -> None:
    """Ignore the import-time notices of :data:`KNOWN_WARNINGS` (by
    message, category and emitting module). Call it inside
    ``warnings.catch_warnings()``: it changes ``warnings.filters``. Nothing
    is done when ``NL1D_SHOW_ALL_WARNINGS`` is set."""
    if _show_all():
        return
    for message, category, module in KNOWN_WARNINGS:
        warnings.filterwarnings(
            'ignore', message=message, category=category, module=module)


def filter_known_warnings() -> None:
    """Drop the known, unactionable notices of the pinned stack for the
    whole process (see the module docstring); idempotent. Called by
    :func:`nl1d.runtime.setup_env`, never at import.

    Python warnings are filtered with :func:`warnings.filterwarnings` by
    message, category and emitting module; mmengine's logged notices by
    message at the ``WARNING`` level, in the module that logs them. Nothing
    is done when the environment variable ``NL1D_SHOW_ALL_WARNINGS`` is set
    to a non-empty value other than ``0``.
    """
    if _show_all():
        return
    ignore_import_notices()
    for module_name, patterns in KNOWN_LOG_NOTICES:
        _quiet_print_log(module_name, patterns)
