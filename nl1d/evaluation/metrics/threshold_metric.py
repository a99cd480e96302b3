# Copyright (c) nl1d contributors. All rights reserved.
"""Deprecated module path: moved to
:mod:`nl1d.evaluation.metrics.thresholds.metric` (thresholds live in one
place); its names still import from here, with a DeprecationWarning."""
import warnings
from typing import Any

from .thresholds import metric as _new


def __getattr__(name: str) -> Any:
    if hasattr(_new, name):
        warnings.warn(
            f'nl1d.evaluation.metrics.threshold_metric.{name} has moved: use '
            f'`from nl1d.evaluation.metrics.thresholds.metric import {name}`',
            DeprecationWarning,
            stacklevel=2)
        return getattr(_new, name)
    raise AttributeError(f'module {__name__!r} has no attribute {name!r}')
