# Copyright (c) nl1d contributors. All rights reserved.
"""Checkpoints of plain values: what torch's weights-only unpickler reads
with its default allow-list.

mmengine's checkpoints hold the message hub's ``HistoryBuffer`` statistics
and numpy scalars, which a weights-only load refuses (and which must never
be allow-listed, see :mod:`nl1d.checkpoint.records`).
:func:`to_plain` replaces them by plain dicts of tensors (tagged with
:data:`HISTORY_BUFFER_KEY`) and Python numbers/lists, so the checkpoints nl1d
writes (``AtomicCheckpointHook``) load with nothing allow-listed
(``torch.serialization.get_unsafe_globals_in_checkpoint`` lists nothing);
:func:`history_buffer_from_plain` is the inverse, applied by nl1d's loader.
"""
from collections import OrderedDict
from typing import Any, Dict, Iterator

import numpy as np
import torch
from mmengine.logging import HistoryBuffer

#: Tag of the plain encoding of a ``HistoryBuffer``.
HISTORY_BUFFER_KEY = '__nl1d_history_buffer__'


def history_buffer_from_plain(value: dict) -> HistoryBuffer:
    """Inverse of :func:`history_buffer_to_plain`.

    Args:
        value (dict): A tagged dict as :func:`history_buffer_to_plain`
            writes it.

    Returns:
        HistoryBuffer: Built through its constructor.

    Raises:
        ValueError: ``value`` is not what nl1d writes.
    """
    log, count = value.get('log_history'), value.get('count_history')
    max_length = value.get('max_length')
    if (set(value) != {HISTORY_BUFFER_KEY, 'log_history', 'count_history',
                       'max_length'} or not isinstance(log, torch.Tensor)
            or not isinstance(count, torch.Tensor) or log.dim() != 1
            or log.shape != count.shape or type(max_length) is not int):
        raise ValueError(
            'expected 1-D log_history / count_history tensors of equal '
            'length and an int max_length, as nl1d writes them')
    return HistoryBuffer(log.numpy(), count.numpy(), max_length)


def history_buffer_to_plain(buffer: HistoryBuffer) -> Dict[str, Any]:
    """A ``HistoryBuffer`` as a tagged dict of tensors (dtypes kept).

    Args:
        buffer (HistoryBuffer): A message hub statistic.

    Returns:
        dict: ``{HISTORY_BUFFER_KEY: 1, 'log_history': Tensor,
        'count_history': Tensor, 'max_length': int}``.
    """
    return {
        HISTORY_BUFFER_KEY: 1,
        'log_history': torch.from_numpy(np.array(buffer._log_history)),
        'count_history': torch.from_numpy(np.array(buffer._count_history)),
        'max_length': int(buffer.max_length),
    }


def to_plain(obj: Any) -> Any:
    """Values that torch's weights-only unpickler reads with its default
    allow-list.

    ``HistoryBuffer`` objects become tagged dicts of tensors (dtype kept, so
    :func:`materialize` restores them exactly), numpy scalars Python numbers
    (``float64`` -> ``float`` is exact), numpy arrays lists. Containers are
    rebuilt; everything else is returned as it is.

    Args:
        obj (Any): A checkpoint or a part of one.

    Returns:
        Any: The converted value.
    """
    if isinstance(obj, HistoryBuffer):
        return history_buffer_to_plain(obj)
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, dict):
        converted = type(obj)() if type(obj) in (dict, OrderedDict) else {}
        for key, value in obj.items():
            converted[key] = to_plain(value)
        return converted
    if type(obj) in (list, tuple, set):
        return type(obj)(to_plain(v) for v in obj)
    return obj


_PLAIN_LEAVES = (type(None), bool, int, float, complex, str, bytes,
                 torch.Tensor, torch.dtype, torch.device, torch.Size)


def non_plain_values(obj: Any, path: str = '') -> Iterator[str]:
    """Where ``obj`` holds something other than containers, tensors and
    plain values (which a weights-only load would refuse).

    Args:
        obj (Any): A checkpoint.
        path (str): Key path of ``obj``, for the messages.

    Yields:
        str: ``path: type`` of each such value.
    """
    if isinstance(obj, dict):
        for key, value in obj.items():
            yield from non_plain_values(value, f'{path}[{key!r}]')
    elif type(obj) in (list, tuple, set):
        for i, value in enumerate(obj):
            yield from non_plain_values(value, f'{path}[{i}]')
    elif not isinstance(obj, _PLAIN_LEAVES):
        yield f'{path or "checkpoint"}: {type(obj).__module__}.' \
              f'{type(obj).__qualname__}'
