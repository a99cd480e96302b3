# Copyright (c) nl1d contributors. All rights reserved.
"""What an exported ONNX model's metadata may say, checked before it is used.

A model file is data. Its metadata (``custom_metadata_map``, written by
:func:`~nl1d.apis.onnx_export.export_metadata`) holds the test pipeline, the
class names, the thresholds and the sampling rate. Handing that pipeline to
mmengine's registry (``TRANSFORMS.build`` / ``Compose``) would import any
dotted ``type`` the file names, so a model file holding
``{"type": "subprocess.run", "args": [...]}`` would run a command. Here,
instead:

- a pipeline step may only name one of nl1d's own transforms
  (:data:`PIPELINE_TRANSFORMS`, an explicit map from the name to the class
  itself: nothing is looked up in a registry or imported by name), with
  literal arguments of the types and sizes its schema lists (ints, floats,
  bools, strings, None and short lists of those; never a dict, so never a
  nested ``type``);
- every other field is a literal of its expected type and size
  (:func:`parse_metadata`): class names a bounded list of bounded strings,
  thresholds finite floats, the sampling rate a finite positive float;
- everything is checked before anything is built, and anything else is
  refused with :class:`MetadataError`, which names the field, the pipeline
  step, its type and the argument, and says how to run the model anyway:
  with the test pipeline of the user's own config (a config given by the
  user always wins; the stored pipeline is then not even decoded).

Names from the file are shown escaped (:func:`repr`) in messages; class
names are escaped where they are printed
(:func:`~nl1d.datasets.class_names.escape_control_chars`).
"""
import inspect
import json
import math
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

from nl1d.datasets.transforms import (BaselineWander, GaussianNoise,
                                      LoadSignal, PackSignalInputs,
                                      RandomAmplitudeScale, RandomMask,
                                      RandomTimeShift, ResampleSignal,
                                      SampleWindows, ZScoreNormalize)
from nl1d.datasets.transforms.sampling import PAD_MODES

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


# --- the allow-list ---

_PROB = _Float(0.0, 1.0)
_LENGTH = _AnyOf(_Int(0, MAX_LENGTH), _Float(0.0, 1.0, floats_only=True))
_SCALAR = _AnyOf(_NoneKind(), _Bool(), _Int(-(1 << 53), 1 << 53), _Float(),
                 _Str())

#: The transforms a stored pipeline may name: the class itself (never
#: looked up by name) and each argument's accepted values. Every argument
#: of the class's ``__init__`` is listed (a test keeps this in step with the
#: transforms); those without a default must be given.
PIPELINE_TRANSFORMS: Dict[str, Tuple[type, Dict[str, _Kind]]] = {
    'LoadSignal': (LoadSignal,
                   dict(num_channels=_AnyOf(_NoneKind(), _Int(1, 1 << 16)),
                        mmap=_Bool(),
                        check_finite=_Bool())),
    'ResampleSignal': (ResampleSignal,
                       dict(target_rate=_Float(0.0, 1e9, open_low=True),
                            max_denominator=_Int(1, 1 << 20),
                            window=_AnyOf(
                                _Str(max_chars=32),
                                _Tuple(_AnyOf(_Str(max_chars=32), _Float()),
                                       1, 4)))),
    'SampleWindows': (SampleWindows,
                      dict(clip_len=_AnyOf(
                          _NoneKind(), _Int(1, MAX_LENGTH),
                          _Float(0.0, 1.0, open_low=True, floats_only=True)),
                           num_clips=_Int(1, MAX_NUM_CLIPS),
                           test_mode=_Bool(),
                           stride=_AnyOf(_NoneKind(), _Int(1, MAX_LENGTH)),
                           pad_mode=_Str(PAD_MODES))),
    'ZScoreNormalize': (ZScoreNormalize,
                        dict(mode=_Str(('record', 'window')),
                             eps=_Float(0.0, 1e6))),
    'RandomAmplitudeScale': (RandomAmplitudeScale,
                             dict(scale_range=_Tuple(_Float(), 2, 2),
                                  per_channel=_Bool(),
                                  prob=_PROB)),
    'GaussianNoise': (GaussianNoise, dict(std=_Float(0.0, 1e6), prob=_PROB)),
    'BaselineWander': (BaselineWander,
                       dict(max_amplitude=_Float(0.0, 1e6),
                            freq_range=_Tuple(_Float(0.0, 1e6), 2, 2),
                            prob=_PROB)),
    'RandomTimeShift': (RandomTimeShift,
                        dict(max_shift=_LENGTH,
                             mode=_Str(('roll', 'constant')),
                             prob=_PROB)),
    'RandomMask': (RandomMask,
                   dict(max_len=_LENGTH,
                        num_masks=_Int(0, 1024),
                        value=_Float(),
                        prob=_PROB)),
    'PackSignalInputs': (PackSignalInputs,
                         dict(meta_keys=_Tuple(_Str(max_chars=64), 0, 64))),
}


def _required_args(cls: type) -> List[str]:
    """Arguments of ``cls.__init__`` without a default."""
    params = list(inspect.signature(cls.__init__).parameters.values())[1:]
    return [
        p.name for p in params if p.default is inspect.Parameter.empty and
        p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
    ]


def check_pipeline(pipeline: Any,
                   source: str = 'the model') -> List[Dict[str, Any]]:
    """Check a stored test pipeline against :data:`PIPELINE_TRANSFORMS`.

    Args:
        pipeline (Any): The decoded ``test_pipeline`` metadata.
        source (str): The file, for messages. Defaults to ``'the model'``.

    Returns:
        list[dict]: The steps, ``type`` the transform's name, the arguments
        as the schema returns them (JSON lists as tuples).

    Raises:
        MetadataError: Anything not allowed; the message names the step
            (index and type) and the argument, and gives the fix
            (:data:`PIPELINE_FIX`).
    """
    field = f"{source}: metadata 'test_pipeline'"
    if not isinstance(pipeline, list) or \
            not 0 < len(pipeline) <= MAX_PIPELINE_STEPS:
        raise MetadataError(
            f'{field} must be a list of 1 to {MAX_PIPELINE_STEPS} transform '
            f'configs, got {_show(pipeline)}.', PIPELINE_FIX)
    allowed = ', '.join(PIPELINE_TRANSFORMS)
    steps = []
    for index, step in enumerate(pipeline):
        where = f'{field}, step {index}'
        if not isinstance(step, dict) or 'type' not in step:
            raise MetadataError(
                f'{where} is {_show(step)}, not a transform config with a '
                '`type`.', PIPELINE_FIX)
        name = step['type']
        if not isinstance(name, str) or name not in PIPELINE_TRANSFORMS:
            raise MetadataError(
                f'{where} (type {_show(name)}): not a transform a model file '
                f'may name. Only nl1d\'s own transforms ({allowed}) with '
                'literal arguments are built from a model file; nothing '
                'else is imported or built.', PIPELINE_FIX)
        cls, schema = PIPELINE_TRANSFORMS[name]
        where = f'{where} (type {name!r})'
        args = {}
        for key, value in step.items():
            if key == 'type':
                continue
            if key not in schema:
                raise MetadataError(
                    f'{where}: argument {_show(key)} is not one of '
                    f'{name}\'s ({", ".join(schema)}).', PIPELINE_FIX)
            try:
                args[key] = schema[key].check(value)
            except ValueError as e:
                raise MetadataError(f'{where}, argument {key!r}: {e}.',
                                    PIPELINE_FIX) from None
        missing = [k for k in _required_args(cls) if k not in args]
        if missing:
            raise MetadataError(
                f'{where}: argument {missing[0]!r} is required.',
                PIPELINE_FIX)
        steps.append(dict(type=name, **args))
    return steps


def build_pipeline_configs(steps: Sequence[Dict[str, Any]]
                           ) -> List[Dict[str, Any]]:
    """Transform configs whose ``type`` is the allow-listed class itself,
    for mmengine's ``Compose`` (which then looks nothing up by name).

    Args:
        steps (Sequence[dict]): Steps from :func:`check_pipeline`.

    Returns:
        list[dict]: ``dict(type=cls, **args)`` per step.
    """
    configs = []
    for step in steps:
        args = dict(step)
        cls, _ = PIPELINE_TRANSFORMS[args.pop('type')]
        configs.append(dict(type=cls, **args))
    return configs


# --- the other fields ---


def check_classes(value: Any) -> List[str]:
    """Check decoded class names: a list of 1 to :data:`MAX_CLASSES`
    strings of 1 to :data:`MAX_CLASS_NAME_CHARS` characters each (any
    characters: escape them where they are printed).

    Args:
        value (Any): The decoded value.

    Returns:
        list[str]: The names.

    Raises:
        ValueError: What was expected, and which class broke it.
    """
    if not isinstance(value, list) or not 0 < len(value) <= MAX_CLASSES:
        raise ValueError(
            f'expected a list of 1 to {MAX_CLASSES} class names, got '
            f'{_show(value)}')
    name_kind = _Str(max_chars=MAX_CLASS_NAME_CHARS)
    for index, name in enumerate(value):
        try:
            name_kind.check(name)
        except ValueError as e:
            raise ValueError(f'class {index}: {e}') from None
    return list(value)


_THRESHOLD_KEYS = dict(
    threshold=_Float(),
    select=_Str(max_chars=64),
    target=_AnyOf(_NoneKind(), _Float()),
    fixed=_Bool(),
    epoch=_Int(0, 1 << 31),
    iter=_Int(0, 1 << 53))


def check_thresholds(value: Any) -> Dict[str, Dict[str, Any]]:
    """Check decoded thresholds (``checkpoint['meta']['thresholds']``): up
    to :data:`MAX_THRESHOLDS` entries ``{prefix: {"threshold": finite
    number, "select": str, "target": number | null, "fixed": bool,
    "epoch": int, "iter": int, other keys: a scalar literal}}``.

    Args:
        value (Any): The decoded value.

    Returns:
        dict: The entries.

    Raises:
        ValueError: What was expected, and which entry and key broke it.
    """
    if not isinstance(value, dict) or len(value) > MAX_THRESHOLDS:
        raise ValueError(
            f'expected an object of up to {MAX_THRESHOLDS} entries '
            f'{{prefix: {{"threshold": float, ...}}}}, got {_show(value)}')
    prefix_kind = _Str(max_chars=64)
    checked = {}
    for prefix, entry in value.items():
        prefix_kind.check(prefix)
        if not isinstance(entry, dict) or 'threshold' not in entry or \
                len(entry) > MAX_THRESHOLD_KEYS:
            raise ValueError(
                f'entry {_show(prefix)}: expected an object with a '
                f'"threshold" (at most {MAX_THRESHOLD_KEYS} keys), got '
                f'{_show(entry)}')
        checked[prefix] = {}
        for key, item in entry.items():
            kind = _THRESHOLD_KEYS.get(key, _SCALAR)
            try:
                prefix_kind.check(key)
                checked[prefix][key] = kind.check(item)
            except ValueError as e:
                raise ValueError(
                    f'entry {_show(prefix)}, key {_show(key)}: {e}') from None
    return checked


#: The JSON fields and their checks (None is accepted for each: not stored).
_FIELDS = dict(
    sampling_rate=_Float(0.0, 1e9, open_low=True).check,
    classes=check_classes,
    thresholds=check_thresholds,
    average_clips=_Str(('prob', 'score')).check,
    opset=_Int(1, 1000).check)


def _refuse_constant(name: str) -> Any:
    raise ValueError(f'{name} is not a finite number')


def _unique_keys(pairs: List[Tuple[str, Any]]) -> Dict[str, Any]:
    result = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f'key {_show(key)} appears twice in one object')
        result[key] = value
    return result


def decode_json(value: str, field: str) -> Any:
    """Decode one metadata value: bounded, strict JSON (no NaN/Infinity, no
    repeated keys, bounded nesting).

    Args:
        value (str): The stored string.
        field (str): ``"FILE: metadata 'KEY'"``, for messages.

    Returns:
        Any: The decoded value.

    Raises:
        MetadataError: Too long, or not such JSON.
    """
    if not isinstance(value, str) or len(value) > MAX_VALUE_CHARS:
        raise MetadataError(
            f'{field} is not a string of at most {MAX_VALUE_CHARS} '
            'characters.')
    try:
        return json.loads(value, parse_constant=_refuse_constant,
                          object_pairs_hook=_unique_keys)
    except RecursionError:
        raise MetadataError(f'{field} is nested too deeply.') from None
    except ValueError as e:
        raise MetadataError(f'{field} is not valid JSON ({e}).') from None


def parse_metadata(raw: Mapping[str, str],
                   source: str = 'the model',
                   with_pipeline: bool = True) -> Dict[str, Any]:
    """Decode and check an ONNX model's metadata (all of it, before
    anything is built from it).

    Args:
        raw (Mapping[str, str]): ``custom_metadata_map`` (or
            ``metadata_props`` as a dict).
        source (str): The file, for messages. Defaults to ``'the model'``.
        with_pipeline (bool): Decode and check ``test_pipeline``. False
            when the user gives the pipeline (their config wins): the stored
            one is then kept as the raw string, never decoded. Defaults to
            True.

    Returns:
        dict: ``test_pipeline`` (list of checked steps, see
        :func:`check_pipeline`; None when absent), ``sampling_rate``,
        ``classes``, ``thresholds``, ``average_clips``, ``opset`` (each
        None when absent or null), the text fields (:data:`TEXT_KEYS`), and
        any other key as its raw string.

    Raises:
        MetadataError: A field is not what nl1d writes; the message names
            the field (and the step and argument) and the fix.
    """
    meta: Dict[str, Any] = {
        key: value
        for key, value in raw.items()
        if key not in _FIELDS and key != 'test_pipeline'
    }
    for key in TEXT_KEYS:
        if key in meta and (not isinstance(meta[key], str)
                            or len(meta[key]) > MAX_STR_CHARS):
            raise MetadataError(
                f'{source}: metadata {key!r} is not a string of at most '
                f'{MAX_STR_CHARS} characters.')
    for key, check in _FIELDS.items():
        field = f'{source}: metadata {key!r}'
        value = decode_json(raw[key], field) if key in raw else None
        if value is not None:
            try:
                value = check(value)
            except ValueError as e:
                raise MetadataError(f'{field}: {e}.') from None
        meta[key] = value
    if not with_pipeline:
        meta['test_pipeline'] = raw.get('test_pipeline')
    elif 'test_pipeline' in raw:
        field = f"{source}: metadata 'test_pipeline'"
        try:
            pipeline = decode_json(raw['test_pipeline'], field)
        except MetadataError as e:
            raise MetadataError(e.reason, PIPELINE_FIX) from None
        meta['test_pipeline'] = check_pipeline(pipeline, source) \
            if pipeline is not None else None
    else:
        meta['test_pipeline'] = None
    return meta


__all__ = [
    'MetadataError', 'PIPELINE_TRANSFORMS', 'check_pipeline',
    'build_pipeline_configs', 'check_classes', 'check_thresholds',
    'decode_json', 'parse_metadata'
]
