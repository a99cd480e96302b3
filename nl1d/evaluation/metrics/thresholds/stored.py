# Copyright (c) nl1d contributors. All rights reserved.
"""Thresholds frozen into a checkpoint: where they are kept, how they are
read back and how their origin is told.

:class:`~nl1d.engine.hooks.ThresholdHook` writes, after each validation,
one entry per :class:`~nl1d.evaluation.metrics.ThresholdMetric` prefix into
``checkpoint['meta'][CHECKPOINT_KEY]``; ``tools/test.py``,
:func:`~nl1d.apis.init_recognizer` and the analysis tools read them back
with :func:`stored_thresholds`.
"""
from typing import Dict, List, Optional

from .metric import ThresholdMetric
from .selection import describe_selection

#: Where the thresholds live in a checkpoint: ``checkpoint['meta'][KEY]``.
CHECKPOINT_KEY = 'thresholds'

#: The fields of one stored entry, as :class:`ThresholdHook` writes them.
ENTRY_FIELDS = ('threshold', 'select', 'target', 'fixed', 'epoch', 'iter')


def stored_thresholds(meta: Optional[Dict]) -> Dict[str, Dict]:
    """The thresholds a checkpoint's ``meta`` holds, by metric prefix.

    Args:
        meta (dict, optional): ``checkpoint['meta']``.

    Returns:
        dict[str, dict]: ``{prefix: entry}`` (fields :data:`ENTRY_FIELDS`),
        empty when the checkpoint holds none.
    """
    return dict((meta or {}).get(CHECKPOINT_KEY) or {})


def threshold_metrics(evaluator) -> List[ThresholdMetric]:
    """The :class:`ThresholdMetric` s of an evaluator.

    Args:
        evaluator (mmengine.evaluator.Evaluator): ``runner.val_evaluator``
            or ``runner.test_evaluator``, or any object with ``metrics``.

    Returns:
        list[ThresholdMetric]: Possibly empty.
    """
    return [m for m in evaluator.metrics if isinstance(m, ThresholdMetric)]


def describe_entry(entry: Dict, checkpoint: Optional[str] = None) -> str:
    """Where a stored threshold came from, in words, for the test log.

    Args:
        entry (dict): One stored threshold (fields :data:`ENTRY_FIELDS`).
        checkpoint (str, optional): The checkpoint it was loaded from.
            Defaults to None.

    Returns:
        str: E.g. ``"frozen: chosen on validation by Youden's J at epoch 3
        (iteration 30), loaded from checkpoint best.pth"``.
    """
    if entry.get('fixed'):
        text = 'frozen: fixed in the training config'
    else:
        text = (f'frozen: chosen on validation by '
                f'{describe_selection(entry["select"], entry.get("target"))}'
                f' at epoch {entry["epoch"]} (iteration {entry["iter"]})')
    if checkpoint:
        text += f', loaded from checkpoint {checkpoint}'
    return text
