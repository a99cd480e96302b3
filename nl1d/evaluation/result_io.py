# Copyright (c) nl1d contributors. All rights reserved.
"""Deprecated module path: result files are read and written by
:mod:`nl1d.evaluation.results`; every name of this module still imports
from here, with a DeprecationWarning."""
import importlib
import warnings
from typing import Any

_MODULES = ('common', 'io', 'json_format', 'unpickler', 'pickle_records')


def __getattr__(name: str) -> Any:
    for module in _MODULES:
        found = importlib.import_module(f'nl1d.evaluation.results.{module}')
        if hasattr(found, name):
            warnings.warn(
                f'nl1d.evaluation.result_io.{name} has moved: use `from '
                f'nl1d.evaluation.results import {name}`'
                if not name.startswith('_') else
                f'nl1d.evaluation.result_io.{name} has moved to '
                f'{found.__name__}',
                DeprecationWarning,
                stacklevel=2)
            return getattr(found, name)
    raise AttributeError(f'module {__name__!r} has no attribute {name!r}')
