# Copyright (c) nl1d contributors. All rights reserved.
"""The literal kinds ONNX metadata values are checked against, the limits
on their sizes and :class:`MetadataError`; :mod:`nl1d.apis.onnx_metadata`
says, field by field and transform by transform, which kind each value must
be."""
import math
from typing import Any, Optional, Sequence

#: Longest metadata value decoded, in characters.
MAX_VALUE_CHARS = 1 << 20
#: Most steps in a stored test pipeline.
MAX_PIPELINE_STEPS = 32
#: Most class names, and the longest name.
MAX_CLASSES = 1000
MAX_CLASS_NAME_CHARS = 256
#: Most stored thresholds, and the most keys in one entry.
MAX_THRESHOLDS = 32
MAX_THRESHOLD_KEYS = 16
#: Longest string in a transform argument or a plain text field.
MAX_STR_CHARS = 256
#: Largest window length and window count a pipeline may ask for: those of
#: the dynamic graph (:func:`~nl1d.apis.onnx_export.export_onnx`).
MAX_LENGTH = 1 << 24
MAX_NUM_CLIPS = 1 << 12

#: Metadata keys stored as plain text (not JSON).
TEXT_KEYS = ('nl1d_version', 'config', 'checkpoint', 'input_layout')

#: The fix every refusal of the stored pipeline names.
PIPELINE_FIX = (
    'To run this model anyway, cut the windows with the test pipeline of '
    'your own config: `demo/demo_signal.py --onnx MODEL.onnx --config '
    'CONFIG SIGNAL`, or `OnnxRecognizer(MODEL, config=CONFIG)` '
    '(`test_pipeline=` for a pipeline you wrote).')

#: The fix for the other fields.
FIELD_FIX = ('Re-export the model with tools/deployment/export_onnx.py from '
             'a checkpoint you trust.')


class MetadataError(ValueError):
    """An ONNX model's metadata says something nl1d does not accept.

    Args:
        reason (str): What is refused and where (file, field, step, type,
            argument).
        fix (str): How to run the model anyway. Defaults to
            :data:`FIELD_FIX`.

    Attributes:
        reason (str): As given.
        fix (str): As given.
    """

    def __init__(self, reason: str, fix: str = FIELD_FIX) -> None:
        super().__init__(f'{reason} {fix}')
        self.reason, self.fix = reason, fix


def _show(value: Any, limit: int = 60) -> str:
    """``repr(value)``, cut to ``limit`` characters: control characters
    from the file come out escaped, long values short."""
    text = repr(value)
    return text if len(text) <= limit else text[:limit - 3] + '...'


# --- literal kinds: check a decoded JSON value, return the value to use ---


class _Kind:
    """One accepted form of a value; ``check`` raises ``ValueError`` with
    what was expected, or returns the value to use."""

    def check(self, value: Any) -> Any:
        raise NotImplementedError

    def __str__(self) -> str:
        raise NotImplementedError


class _NoneKind(_Kind):

    def check(self, value: Any) -> Any:
        if value is not None:
            raise ValueError(f'expected null, got {_show(value)}')
        return None

    def __str__(self) -> str:
        return 'null'


class _Bool(_Kind):

    def check(self, value: Any) -> bool:
        if not isinstance(value, bool):
            raise ValueError(f'expected true or false, got {_show(value)}')
        return value

    def __str__(self) -> str:
        return 'a bool'


class _Int(_Kind):

    def __init__(self, low: int, high: int) -> None:
        self.low, self.high = low, high

    def check(self, value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or \
                not self.low <= value <= self.high:
            raise ValueError(f'expected {self}, got {_show(value)}')
        return value

    def __str__(self) -> str:
        return f'an int in [{self.low}, {self.high}]'


class _Float(_Kind):
    """A finite number in ``[low, high]`` (``(low, high]`` with
    ``open_low``); an int is accepted and kept as it is."""

    def __init__(self,
                 low: float = -1e30,
                 high: float = 1e30,
                 open_low: bool = False,
                 floats_only: bool = False) -> None:
        self.low, self.high = low, high
        self.open_low, self.floats_only = open_low, floats_only

    def check(self, value: Any) -> float:
        types = float if self.floats_only else (int, float)
        ok = isinstance(value, types) and not isinstance(value, bool) and \
            math.isfinite(value) and value <= self.high and \
            (value > self.low if self.open_low else value >= self.low)
        if not ok:
            raise ValueError(f'expected {self}, got {_show(value)}')
        return value

    def __str__(self) -> str:
        what = 'a float' if self.floats_only else 'a finite number'
        return f'{what} in {"(" if self.open_low else "["}{self.low:g}, ' \
               f'{self.high:g}]'


class _Str(_Kind):

    def __init__(self,
                 choices: Optional[Sequence[str]] = None,
                 max_chars: int = MAX_STR_CHARS) -> None:
        self.choices, self.max_chars = choices, max_chars

    def check(self, value: Any) -> str:
        if not isinstance(value, str) or not 0 < len(value) <= \
                self.max_chars or (self.choices and value not in
                                   self.choices):
            raise ValueError(f'expected {self}, got {_show(value)}')
        return value

    def __str__(self) -> str:
        if self.choices:
            return 'one of ' + ', '.join(repr(c) for c in self.choices)
        return f'a string of 1 to {self.max_chars} characters'


class _AnyOf(_Kind):

    def __init__(self, *kinds: _Kind) -> None:
        self.kinds = kinds

    def check(self, value: Any) -> Any:
        for kind in self.kinds:
            try:
                return kind.check(value)
            except ValueError:
                pass
        raise ValueError(f'expected {self}, got {_show(value)}')

    def __str__(self) -> str:
        return ' or '.join(str(kind) for kind in self.kinds)


class _Tuple(_Kind):
    """A JSON list of ``min_len..max_len`` items of one kind, used as a
    tuple."""

    def __init__(self, item: _Kind, min_len: int, max_len: int) -> None:
        self.item, self.min_len, self.max_len = item, min_len, max_len

    def check(self, value: Any) -> tuple:
        if not isinstance(value, (list, tuple)) or \
                not self.min_len <= len(value) <= self.max_len:
            raise ValueError(f'expected {self}, got {_show(value)}')
        return tuple(self.item.check(v) for v in value)

    def __str__(self) -> str:
        size = str(self.min_len) if self.min_len == self.max_len else \
            f'{self.min_len} to {self.max_len}'
        return f'a list of {size} items, each {self.item}'
