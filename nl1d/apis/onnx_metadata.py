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
from typing import Any, Dict, List, Mapping, Sequence, Tuple

from nl1d.datasets.transforms import (BaselineWander, GaussianNoise,
                                      LoadSignal, PackSignalInputs,
                                      RandomAmplitudeScale, RandomMask,
                                      RandomTimeShift, ResampleSignal,
                                      SampleWindows, ZScoreNormalize)
from nl1d.datasets.transforms.sampling import PAD_MODES
# The limits, the kinds and MetadataError live in onnx_schema; they are
# importable from here as before.
from .onnx_schema import (FIELD_FIX, MAX_CLASS_NAME_CHARS,  # noqa: F401
                          MAX_CLASSES, MAX_LENGTH, MAX_NUM_CLIPS,
                          MAX_PIPELINE_STEPS, MAX_STR_CHARS,
                          MAX_THRESHOLD_KEYS, MAX_THRESHOLDS,
                          MAX_VALUE_CHARS, PIPELINE_FIX, TEXT_KEYS,
                          MetadataError, _AnyOf, _Bool, _Float, _Int, _Kind,
                          _NoneKind, _show, _Str, _Tuple)


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
