# Copyright (c) nl1d contributors. All rights reserved.
"""Reading and writing the predictions of ``tools/test.py --dump``: result
files are data, and reading one never runs code from it.

Formats, chosen by the file's suffix:

- ``.json`` (the default to share): a plain JSON document, every record a
  dict of lists, numbers and strings; :data:`JSON_FORMAT` says what it is and
  ``arrays`` says which fields were torch tensors or numpy arrays, and of
  which dtype, so that :func:`load_results` gives them back as they were
  dumped::

      {"format": "nl1d-results", "version": 1,
       "arrays": {"pred_score": {"type": "tensor", "dtype": "float32"}, ...},
       "records": [
        {"pred_score": [0.25, 0.75], "gt_label": [1], "filename": "a.npy"},
        ...]}

  Any JSON reader gets the scores with ``doc['records'][i]['pred_score']``.
  A bare JSON list of record dicts is read as it is (fields stay lists).
- ``.pkl`` / ``.pickle``: mmengine's ``DumpResults`` format, as mmaction2
  writes it. :func:`load_results` reads it with :class:`_ResultUnpickler`,
  which admits only what ``DumpResults`` pickles (containers, numbers,
  strings, numpy arrays and torch tensors, see :data:`_GLOBALS`) and refuses
  anything else with :class:`UnsafeResultFileError` before it runs.

Examples:
    >>> save_results(records, 'work_dirs/run/result.json')
    >>> records = load_results('work_dirs/run/result.json')
    >>> records[0]['pred_score']
    tensor([0.2500, 0.7500])
"""
import collections
import contextvars
import io
import json
import math
import os
import os.path as osp
import pickle
import reprlib
import struct
import tempfile
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch

__all__ = [
    'load_results', 'save_results', 'check_result_path', 'ResultFileError',
    'UnsafeResultFileError', 'RESULT_SUFFIXES', 'SAFE_SUFFIXES',
    'JSON_FORMAT', 'JSON_VERSION'
]

#: Suffixes :func:`load_results` and :func:`save_results` know.
RESULT_SUFFIXES = ('.json', '.pkl', '.pickle')
#: Suffixes whose files hold plain data only (nothing to refuse).
SAFE_SUFFIXES = ('.json', )
#: ``format`` of nl1d's results JSON, and its ``version``.
JSON_FORMAT = 'nl1d-results'
JSON_VERSION = 1
#: Containers nest at most this deep in a result file (records are flat).
MAX_DEPTH = 32
#: Array dtypes a result file may hold (booleans and real numbers).
_ARRAY_DTYPES = ('bool', 'uint8', 'uint16', 'uint32', 'uint64', 'int8',
                 'int16', 'int32', 'int64', 'float16', 'bfloat16', 'float32',
                 'float64')
_repr = reprlib.Repr()
_repr.maxstring = 60
_repr.maxother = 60


class ResultFileError(ValueError):
    """A result file that cannot be read or written; the message names the
    file and what is wrong with it."""


class UnsafeResultFileError(ResultFileError, pickle.UnpicklingError):
    """A results pickle that needs more than ``tools/test.py --dump``
    writes. Raised before anything from the file runs; the message names the
    file and the refused global or call."""


class _Refused(Exception):
    """Raised inside the unpickler; :func:`_load_pickle` adds the file."""


#: Bytes the arrays, storages and tensors of the pickle being read may
#: still claim (:func:`_charge`); set per load by :func:`_load_pickle`.
_BYTES_LEFT: contextvars.ContextVar = contextvars.ContextVar('bytes_left')
#: What each tensor, array or scalar costs besides its data (its object).
_OBJECT_COST = 32


def _suffix(path: str) -> str:
    return osp.splitext(str(path))[1].lower()


def check_result_path(path: str, option: str = '--dump') -> str:
    """Check that a result file's suffix names a format nl1d knows.

    Args:
        path (str): The file.
        option (str): The command-line option or field that gave it, named
            in the error. Defaults to ``'--dump'``.

    Returns:
        str: ``path``.

    Raises:
        ResultFileError: Another suffix; the message lists the known ones.
    """
    if _suffix(path) not in RESULT_SUFFIXES:
        raise ResultFileError(
            f'{option} {path}: a result file must end with .json (plain '
            'data, the format to share, e.g. result.json) or .pkl / '
            '.pickle (mmengine\'s pickle).')
    return path


# ----------------------------------------------------------------- writing
def _dtype_name(value: Any) -> str:
    if isinstance(value, torch.Tensor):
        return str(value.dtype).replace('torch.', '')
    return value.dtype.name


def _array_kind(value: Any) -> Optional[Tuple[str, str]]:
    """``('tensor' | 'ndarray', dtype name)`` of an array value, else None."""
    if isinstance(value, torch.Tensor):
        return 'tensor', _dtype_name(value)
    if isinstance(value, np.ndarray):
        return 'ndarray', _dtype_name(value)
    return None


def _plain(value: Any, where: str, depth: int = 0) -> Any:
    """A JSON-ready copy of ``value``: arrays as nested lists, numpy scalars
    as Python numbers."""
    if depth > MAX_DEPTH:
        raise ResultFileError(f'{where} nests deeper than {MAX_DEPTH} '
                              'levels; a result record is a flat dict.')
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, (torch.Tensor, np.ndarray, np.generic)):
        name = _dtype_name(value)
        if name not in _ARRAY_DTYPES:
            raise ResultFileError(
                f'{where} holds {name} values; a results .json holds '
                f'{", ".join(_ARRAY_DTYPES)} arrays. Dump to .pkl, or store '
                'the value as one of those.')
        if isinstance(value, torch.Tensor):
            value = value.detach().cpu()
            value = value.float() if name == 'bfloat16' else value
            return value.numpy().tolist()
        return value.tolist()
    if isinstance(value, dict):
        return {key: _plain(item, f'{where}[{key!r}]', depth + 1)
                for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item, f'{where}[{i}]', depth + 1)
                for i, item in enumerate(value)]
    raise ResultFileError(
        f'{where} is a {type(value).__module__}.{type(value).__qualname__}, '
        'which a results .json cannot hold (it holds dicts, lists, strings, '
        'numbers, tensors and numpy arrays). Dump to .pkl, or store the value '
        'as one of those.')


def _array_fields(results: Sequence[Dict]) -> Dict[str, Dict[str, str]]:
    """The top-level fields that hold arrays of one kind and dtype in every
    record that has them (others, None aside, are written as plain lists)."""
    kinds: Dict[str, set] = collections.defaultdict(set)
    for record in results:
        for key, value in record.items():
            if value is not None:
                kinds[key].add(_array_kind(value))
    return {
        key: dict(type=found[0], dtype=found[1])
        for key, (found, ) in ((k, tuple(v)) for k, v in kinds.items()
                               if len(v) == 1) if found is not None
    }


def _json_text(results: Sequence[Dict], path: str) -> str:
    """The JSON document of ``results``, one record per line."""
    arrays = _array_fields(results)
    lines = []
    for i, record in enumerate(results):
        plain = _plain(record, f'{path}: record {i}')
        try:
            lines.append(json.dumps(plain, ensure_ascii=False))
        except (TypeError, ValueError) as e:
            raise ResultFileError(f'{path}: record {i} cannot be written as '
                                  f'JSON ({e}).') from None
    head = json.dumps(dict(format=JSON_FORMAT, version=JSON_VERSION,
                           arrays=arrays))
    return (head[:-1] + ',\n "records": [\n' + ',\n'.join(lines) + '\n]}\n')


def save_results(results: Sequence[Dict], path: str) -> None:
    """Write data samples in the format of the file's suffix.

    ``.json`` is written atomically (a temporary file renamed into place);
    ``.pkl`` / ``.pickle`` is mmengine's ``DumpResults`` pickle, unchanged.

    Args:
        results (Sequence[dict]): The records (``DumpResults``' data
            samples: tensors, numpy arrays, numbers, strings).
        path (str): The file; its folder is created.

    Raises:
        ResultFileError: An unknown suffix, a record that is not a dict, or
            a value JSON cannot hold (the message names the record and
            field); nothing is written then.
    """
    check_result_path(path, 'result file')
    for i, record in enumerate(results):
        if not isinstance(record, dict):
            raise ResultFileError(f'{path}: record {i} is a '
                                  f'{type(record).__name__}, not a dict.')
    if _suffix(path) not in SAFE_SUFFIXES:
        import mmengine  # its file backends: local paths, s3://, ...
        mmengine.dump(list(results), path)
        return
    text = _json_text(results, path)
    folder = osp.dirname(osp.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix='.' + osp.basename(path),
                               suffix='.tmp', dir=folder)
    try:
        with os.fdopen(fd, 'w', encoding='utf-8') as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        if osp.exists(tmp):
            os.remove(tmp)
        raise


# ------------------------------------------------------------ reading JSON
def _check_depth(value: Any, where: str, depth: int = 0) -> None:
    """Refuse containers nested deeper than :data:`MAX_DEPTH`."""
    if depth > MAX_DEPTH:
        raise ResultFileError(f'{where} nests deeper than {MAX_DEPTH} levels; '
                              'a result record is a flat dict.')
    items = value.values() if isinstance(value, dict) else value
    for item in items:
        if isinstance(item, (dict, list)):
            _check_depth(item, where, depth + 1)


def _restore_array(value: Any, spec: Dict[str, str], where: str) -> Any:
    """A tensor or numpy array from a field's nested lists."""
    if value is None:
        return None
    if isinstance(value, (dict, str)):
        raise ResultFileError(
            f'{where} is a {type(value).__name__}, but the file\'s '
            f'"arrays" lists it as a {spec["type"]}.')
    name = spec['dtype']
    try:
        array = np.array(value,
                         dtype=np.float32 if name == 'bfloat16' else name)
    except (ValueError, TypeError, OverflowError) as e:
        raise ResultFileError(f'{where} is not a rectangular array of '
                              f'{name} ({e}).') from None
    if spec['type'] == 'ndarray':
        return array
    return torch.from_numpy(array).to(getattr(torch, name))


def _json_records(doc: Any, path: str) -> List[Dict]:
    """The records of a parsed results JSON, arrays restored."""
    if isinstance(doc, list):
        records, arrays = doc, {}
    elif isinstance(doc, dict) and doc.get('format') == JSON_FORMAT:
        version = doc.get('version')
        if version != JSON_VERSION:
            raise ResultFileError(
                f'{path} is version {version!r} of {JSON_FORMAT}; this nl1d '
                f'reads version {JSON_VERSION} (update nl1d, or re-dump with '
                'this one).')
        records, arrays = doc.get('records'), doc.get('arrays', {})
        if not isinstance(records, list) or not isinstance(arrays, dict):
            raise ResultFileError(
                f'{path}: "records" must be a list and "arrays" a dict '
                f'(found {type(records).__name__} and '
                f'{type(arrays).__name__}).')
        for key, spec in arrays.items():
            if (not isinstance(spec, dict)
                    or spec.get('type') not in ('tensor', 'ndarray')
                    or spec.get('dtype') not in _ARRAY_DTYPES
                    or (spec['type'] == 'ndarray'
                        and spec['dtype'] == 'bfloat16')):
                raise ResultFileError(
                    f'{path}: "arrays"[{key!r}] is {_repr.repr(spec)}; '
                    'expected {"type": "tensor" or "ndarray", "dtype": one of '
                    f'{", ".join(_ARRAY_DTYPES)}}}.')
    else:
        raise ResultFileError(
            f'{path} is neither an {JSON_FORMAT} document (a dict with '
            f'"format": "{JSON_FORMAT}") nor a list of records; write it with '
            '`tools/test.py CONFIG CKPT --dump result.json`.')
    for i, record in enumerate(records):
        where = f'{path}: record {i}'
        if not isinstance(record, dict):
            raise ResultFileError(f'{where} is a {type(record).__name__}, '
                                  'not a dict of fields.')
        for key, value in record.items():
            if key in arrays:  # numpy refuses more than 64 dimensions
                record[key] = _restore_array(value, arrays[key],
                                             f'{where}, field {key!r}')
            elif isinstance(value, (dict, list)):
                _check_depth(value, f'{where}, field {key!r}', 1)
    return records


def _load_json(path: str) -> List[Dict]:
    try:
        with open(path, encoding='utf-8') as f:
            doc = json.load(f)
    except UnicodeDecodeError as e:
        raise ResultFileError(f'{path} is not UTF-8 text ({e}); a .json '
                              'result file is written by `tools/test.py '
                              '--dump result.json`.') from None
    except RecursionError:
        raise ResultFileError(f'{path} nests too deeply to be a result '
                              'file.') from None
    except ValueError as e:  # json.JSONDecodeError, over-long integers
        raise ResultFileError(f'{path} is not valid JSON ({e}).') from None
    return _json_records(doc, path)


# ----------------------------------------------------------- reading pickles
def _refuse(what: str, why: str) -> None:
    raise _Refused(f'{what} refused: {why}')


def _charge(nbytes: int, what: str) -> None:
    """Count bytes a stand-in is about to allocate against the load's
    budget (a few times the file's size), before allocating them: byte
    strings the pickle reuses through its memo cannot multiply memory."""
    left = _BYTES_LEFT.get()
    left[0] -= nbytes
    if left[0] < 0:
        _refuse(what, 'the file\'s arrays and tensors claim more bytes than '
                'the file could hold (its byte strings are reused many '
                'times over)')


class _Global:
    """What a global of the allow-list resolves to: a callable stand-in that
    checks its arguments and calls nothing named by the pickle.

    Its state cannot be set (``BUILD``), so a pickle cannot plant attributes
    on it, and it is not a class, so ``NEWOBJ`` cannot instantiate it.
    """

    __slots__ = ('name', '_call')

    def __init__(self, name: str, call: Callable) -> None:
        object.__setattr__(self, 'name', name)
        object.__setattr__(self, '_call', call)

    def __call__(self, *args: Any) -> Any:
        return self._call(*args)

    def __setattr__(self, key: str, value: Any) -> None:
        _refuse(f'setting {self.name}.{key}', 'globals are read-only')

    def __setstate__(self, state: Any) -> None:
        _refuse(f'BUILD on {self.name} (setting its state to '
                f'{_repr.repr(state)})', 'setting the state of a class or '
                'function is a known gadget (it plants attributes for later '
                'calls); DumpResults never does it')

    def __reduce__(self):
        raise TypeError(f'{self.name} is a loading stand-in, not a value')

    def __repr__(self) -> str:
        return f'<result reader stand-in for {self.name}>'


class _Record:
    """A value built while loading, turned into the real object afterwards
    (:func:`_materialize`). Its state cannot be set unless the subclass
    reads one (numpy arrays and dtypes)."""

    __slots__ = ('value', )
    kind = 'object'

    def __init__(self, value: Any = None) -> None:
        self.value = value

    def __setstate__(self, state: Any) -> None:
        _refuse(f'BUILD on a {self.kind} (state {_repr.repr(state)})',
                'DumpResults never sets the state of one')


class _DtypeRecord(_Record):
    """``numpy.dtype(spec, False, True)`` + its state: a bool or real number
    dtype only."""

    __slots__ = ('spec', 'built')
    kind = 'numpy dtype'

    def __setstate__(self, state: Any) -> None:
        # (3, byteorder, subarray, names, fields, elsize, alignment, flags)
        if (self.built or not isinstance(state, tuple) or len(state) != 8
                or state[0] != 3 or state[1] not in ('<', '>', '|', '=')
                or state[2:5] != (None, None, None)
                or state[5:8] != (-1, -1, 0)):
            _refuse(f'numpy dtype {self.spec!r} with state '
                    f'{_repr.repr(state)}', 'only plain numeric dtypes '
                    "(state (3, '<', None, None, None, -1, -1, 0)) are read")
        self.value = self.value.newbyteorder(state[1]) \
            if state[1] in '<>' else self.value
        self.built = True


class _ArrayRecord(_Record):
    """``numpy._core.multiarray._reconstruct(ndarray, (0,), b'b')`` + its
    state: the array is built from raw bytes that match its shape."""

    __slots__ = ()
    kind = 'numpy array'

    def __setstate__(self, state: Any) -> None:
        # (version, shape, dtype, is_fortran, raw bytes)
        if (self.value is not None or not isinstance(state, tuple)
                or len(state) != 5 or state[0] != 1
                or not isinstance(state[1], tuple) or len(state[1]) > 32
                or not all(type(n) is int and n >= 0 for n in state[1])
                or not isinstance(state[2], _DtypeRecord)
                or not isinstance(state[3], bool)
                or not isinstance(state[4], bytes)):
            _refuse(f'numpy array state {_repr.repr(state)}',
                    'an array is read from (1, shape, numeric dtype, '
                    'is_fortran, raw bytes) only')
        dtype = state[2].value
        expected = math.prod(state[1]) * dtype.itemsize
        if expected != len(state[4]):
            _refuse(f'numpy array of shape {state[1]} and dtype {dtype}',
                    f'it claims {expected} bytes and holds {len(state[4])}')
        _charge(expected + _OBJECT_COST,
                f'a numpy array of shape {state[1]}')
        array = np.ndarray.__new__(np.ndarray, (0, ), np.dtype('b'))
        array.__setstate__((1, state[1], dtype, state[3], state[4]))
        self.value = array


class _TensorRecord(_Record):
    __slots__ = ()
    kind = 'tensor'


class _StorageRecord(_Record):
    __slots__ = ()
    kind = 'tensor storage'


class _ScalarRecord(_Record):
    __slots__ = ()
    kind = 'numpy scalar'


class _HooksRecord(_Record):
    __slots__ = ()
    kind = 'OrderedDict'


def _latin1(*args: Any) -> bytes:
    """``_codecs.encode(text, 'latin1')``: how protocol 2 writes bytes."""
    if (len(args) != 2 or not isinstance(args[0], str)
            or args[1] not in ('latin1', 'latin-1')):
        _refuse(f'_codecs.encode{_repr.repr(args)}',
                "only (text, 'latin1') is read (protocol 2's bytes)")
    _charge(len(args[0]), 'a byte string')
    try:
        return args[0].encode('latin1')
    except UnicodeEncodeError:
        _refuse('_codecs.encode of a non-latin-1 text', 'not bytes')


def _dtype(*args: Any) -> _DtypeRecord:
    """``numpy.dtype(spec, align=False, copy=True)``."""
    if (len(args) != 3 or not isinstance(args[0], str)
            or args[1:] != (False, True)):
        _refuse(f'numpy.dtype{_repr.repr(args)}',
                "only numpy's own pickled form (spec, False, True) is read")
    try:
        dtype = np.dtype(args[0])
    except Exception:  # not a dtype string at all
        dtype = None
    if dtype is None or dtype.name not in _ARRAY_DTYPES \
            or dtype.str[1:] != args[0].lstrip('<>|='):
        _refuse(f'numpy.dtype({args[0]!r})',
                'only bool and real number dtypes are read (no objects, '
                'strings or structures)')
    record = _DtypeRecord(dtype)
    record.spec, record.built = args[0], False
    return record


def _reconstruct(*args: Any) -> _ArrayRecord:
    """``numpy._core.multiarray._reconstruct(ndarray, (0,), b'b')``."""
    if len(args) != 3 or args[0] is not _NDARRAY:
        _refuse(f'numpy _reconstruct{_repr.repr(args)}',
                'it is read only for numpy.ndarray itself: another class '
                'would be instantiated with the pickle\'s arguments')
    if args[1] != (0, ) or args[2] != b'b':
        _refuse(f'numpy _reconstruct{_repr.repr(args)}',
                "only numpy's own form (ndarray, (0,), b'b') is read")
    return _ArrayRecord()


def _scalar(*args: Any) -> _ScalarRecord:
    """``numpy._core.multiarray.scalar(dtype, raw bytes)``."""
    if (len(args) != 2 or not isinstance(args[0], _DtypeRecord)
            or not isinstance(args[1], bytes)
            or len(args[1]) != args[0].value.itemsize):
        _refuse(f'numpy scalar{_repr.repr(args)}',
                'a scalar is read from (numeric dtype, its raw bytes) only')
    _charge(_OBJECT_COST, 'a numpy scalar')
    return _ScalarRecord(np.frombuffer(args[1], args[0].value)[0])


def _ordered_dict(*args: Any) -> _HooksRecord:
    """``collections.OrderedDict()``: a tensor's (empty) backward hooks."""
    if args:
        _refuse(f'collections.OrderedDict{_repr.repr(args)}',
                'only the empty OrderedDict of a tensor\'s hooks is read')
    return _HooksRecord()


def _rebuild_tensor_v2(*args: Any) -> _TensorRecord:
    """``torch._utils._rebuild_tensor_v2(storage, offset, size, stride,
    requires_grad, backward_hooks[, metadata])``: a view of the storage read
    by :func:`_load_storage`, checked to lie inside it."""
    def ints(value):
        return isinstance(value, tuple) and len(value) <= 32 and all(
            type(n) is int and n >= 0 for n in value)

    if (len(args) not in (6, 7) or not isinstance(args[0], _StorageRecord)
            or type(args[1]) is not int or args[1] < 0 or not ints(args[2])
            or not ints(args[3]) or len(args[2]) != len(args[3])
            or not isinstance(args[4], bool)
            or not isinstance(args[5], _HooksRecord)
            or (len(args) == 7 and args[6] not in (None, {}))):
        _refuse(f'torch._utils._rebuild_tensor_v2{_repr.repr(args)}',
                'a tensor is read from (storage, offset, size, stride, '
                'requires_grad, empty hooks) only')
    flat = args[0].value  # (numel,), the storage's elements
    offset, size, stride = args[1:4]
    numel = math.prod(size)
    last = offset + sum((n - 1) * s for n, s in zip(size, stride))
    if numel and (numel > flat.numel() or last >= flat.numel()):
        _refuse(f'a tensor of size {size} and stride {stride} at offset '
                f'{offset}', f'its storage holds {flat.numel()} elements')
    _charge(numel * flat.element_size() + _OBJECT_COST,
            f'a tensor of size {size}')
    # as torch._utils._rebuild_tensor_v2 builds it (no metadata is read)
    tensor = torch.empty((0, ), dtype=flat.dtype).set_(
        flat.untyped_storage(), offset, size, stride)
    tensor.requires_grad = args[4]
    tensor._backward_hooks = collections.OrderedDict()
    return _TensorRecord(tensor)


# -- the bytes of a pickled storage: torch.save(storage) in torch's legacy
# format, which torch.storage._load_from_bytes would read with
# torch.load(weights_only=False). Read here field by field instead.
_LEGACY_MAGIC = 0x1950a86a20f9469cfc6c
_LEGACY_PROTOCOL = 1001
_STORAGE_DTYPES = {
    'BoolStorage': torch.bool, 'ByteStorage': torch.uint8,
    'CharStorage': torch.int8, 'ShortStorage': torch.int16,
    'IntStorage': torch.int32, 'LongStorage': torch.int64,
    'HalfStorage': torch.float16, 'BFloat16Storage': torch.bfloat16,
    'FloatStorage': torch.float32, 'DoubleStorage': torch.float64
}


class _PlainUnpickler(pickle.Unpickler):
    """Plain values only: no global at all."""

    def find_class(self, module: str, name: str) -> Any:
        raise _Refused(f'the storage bytes of a tensor need the global '
                       f'{module}.{name}; a pickled storage holds plain '
                       'values and a storage type only')


class _StorageUnpickler(_PlainUnpickler):
    """The storage reference of ``torch.save(storage)``: a storage type and
    ``('storage', type, key, location, numel, None)``."""

    def find_class(self, module: str, name: str) -> Any:
        if module == 'torch' and name in _STORAGE_DTYPES:
            return _STORAGE_TYPES[name]
        return super().find_class(module, name)

    def persistent_load(self, pid: Any) -> Tuple[torch.dtype, str, int]:
        if (not isinstance(pid, tuple) or len(pid) != 6
                or pid[0] != 'storage' or pid[1] not in _STORAGE_DTYPE_OF
                or not isinstance(pid[2], str) or not isinstance(pid[3], str)
                or type(pid[4]) is not int or pid[4] < 0
                or pid[5] is not None):
            _refuse(f'the storage reference {_repr.repr(pid)}',
                    "only ('storage', type, key, location, numel, None) is "
                    'read')
        return _STORAGE_DTYPE_OF[pid[1]], pid[2], pid[4]


def _no_call(*args: Any) -> None:
    _refuse(f'a call of a type{_repr.repr(args)}', 'nothing is called here')


_STORAGE_TYPES = {
    name: _Global(f'torch.{name}', _no_call)
    for name in _STORAGE_DTYPES
}
_STORAGE_DTYPE_OF = {
    _STORAGE_TYPES[name]: dtype
    for name, dtype in _STORAGE_DTYPES.items()
}


def _load_storage(*args: Any) -> _StorageRecord:
    """``torch.storage._load_from_bytes(data)``, read without torch.load: the
    claimed size is checked against the bytes before anything is
    allocated."""
    if len(args) != 1 or not isinstance(args[0], bytes):
        _refuse(f'torch.storage._load_from_bytes{_repr.repr(args)}',
                'it is read from bytes only')
    data = args[0]
    _charge(len(data), 'a pickled tensor storage')
    stream = io.BytesIO(data)
    try:
        head = [_PlainUnpickler(stream).load() for _ in range(3)]
        dtype, key, numel = _StorageUnpickler(stream).load()
        keys = _PlainUnpickler(stream).load()
        (count, ) = struct.unpack('<q', stream.read(8))
    except _Refused:
        raise
    except Exception as e:
        _refuse('torch.storage._load_from_bytes of malformed bytes', str(e))
    magic, protocol, info = head
    if (magic != _LEGACY_MAGIC or protocol != _LEGACY_PROTOCOL
            or not isinstance(info, dict)
            or info.get('little_endian') is not True or keys != [key]
            or count != numel):
        _refuse('torch.storage._load_from_bytes',
                'the bytes are not one little-endian storage in torch\'s '
                f'format (magic {_repr.repr(magic)}, protocol '
                f'{_repr.repr(protocol)}, keys {_repr.repr(keys)}, '
                f'{count} vs {numel} elements)')
    nbytes = numel * torch.empty((), dtype=dtype).element_size()
    raw = stream.read()
    if len(raw) != nbytes:
        _refuse(f'a storage of {numel} {dtype} elements',
                f'it claims {nbytes} bytes and holds {len(raw)}')
    flat = torch.frombuffer(bytearray(raw), dtype=dtype) if nbytes else \
        torch.empty(0, dtype=dtype)
    return _StorageRecord(flat)


def _ndarray_class(*args: Any) -> None:
    _refuse(f'numpy.ndarray{_repr.repr(args)}',
            'numpy.ndarray is read only as the class of numpy\'s _reconstruct')


_NDARRAY = _Global('numpy.ndarray', _ndarray_class)

#: The allow-list: every global mmengine's ``DumpResults`` pickle of nl1d's
#: data samples names (``pickletools.dis`` of a ``tools/test.py --dump``
#: file), each to a stand-in that checks its arguments. numpy's module is
#: ``numpy._core`` since numpy 2 and ``numpy.core`` before.
_GLOBALS: Dict[Tuple[str, str], _Global] = {
    ('_codecs', 'encode'): _Global('_codecs.encode', _latin1),
    ('numpy', 'ndarray'): _NDARRAY,
    ('numpy', 'dtype'): _Global('numpy.dtype', _dtype),
    ('collections', 'OrderedDict'):
    _Global('collections.OrderedDict', _ordered_dict),
    ('torch._utils', '_rebuild_tensor_v2'):
    _Global('torch._utils._rebuild_tensor_v2', _rebuild_tensor_v2),
    ('torch.storage', '_load_from_bytes'):
    _Global('torch.storage._load_from_bytes', _load_storage),
}
for _module in ('numpy.core.multiarray', 'numpy._core.multiarray'):
    _GLOBALS[_module, '_reconstruct'] = _Global(
        f'{_module}._reconstruct', _reconstruct)
    _GLOBALS[_module, 'scalar'] = _Global(f'{_module}.scalar', _scalar)


class _ResultUnpickler(pickle.Unpickler):
    """Resolves only the globals of :data:`_GLOBALS`, to their stand-ins."""

    def find_class(self, module: str, name: str) -> Any:
        found = _GLOBALS.get((module, name))
        if found is None:
            raise _Refused(f'it needs the global {module}.{name}, which is '
                           'not among what tools/test.py --dump writes')
        return found


def _materialize(value: Any, budget: List[int], path: set,
                 depth: int = 0) -> Any:
    """The loaded tree with records turned into their values; refuses cycles,
    deep nesting and more nodes than the file has bytes (shared
    containers)."""
    budget[0] -= 1
    if budget[0] < 0:
        _refuse('the file\'s structure', 'it expands to more objects than '
                'it has bytes (containers shared many times over)')
    if depth > MAX_DEPTH:
        _refuse('the file\'s structure', f'it nests deeper than {MAX_DEPTH} '
                'levels')
    if value is None or isinstance(
            value, (str, bytes, bytearray, bool, int, float, complex)):
        return value
    if isinstance(value, (_ArrayRecord, _TensorRecord, _ScalarRecord)):
        if value.value is None:
            _refuse('a numpy array without its state', 'it has no data')
        return value.value
    if isinstance(value, _DtypeRecord):
        return value.value
    if isinstance(value, _HooksRecord):
        return collections.OrderedDict()
    if isinstance(value, _Global):
        _refuse(f'{value.name} as a value', 'a global is read only as '
                'numpy\'s and torch\'s pickles call it')
    if not isinstance(value, (list, tuple, dict, set, frozenset)):
        _refuse(f'a {type(value).__name__} as a value',
                'DumpResults writes containers, numbers, strings, arrays '
                'and tensors')
    if id(value) in path:
        _refuse('the file\'s structure', 'a container holds itself')
    path.add(id(value))
    if isinstance(value, dict):
        out = {
            _materialize(k, budget, path, depth + 1):
            _materialize(v, budget, path, depth + 1)
            for k, v in value.items()
        }
    else:
        out = type(value)(_materialize(v, budget, path, depth + 1)
                          for v in value)
    path.discard(id(value))
    return out


def _refusal_message(path: str, detail: str) -> str:
    stem = osp.splitext(path)[0]
    return (
        f'Refusing to read {path}: {detail}. Nothing from the file was '
        'executed. A results pickle is read only when it holds what '
        '`tools/test.py --dump` writes (lists, dicts, numbers, strings, numpy '
        'arrays, torch tensors): a pickle that needs anything else can run '
        'code when it is loaded. If you trust the file (you wrote it), '
        'convert it once with `python tools/analysis/convert_results.py '
        f'{path} {stem}.json --trust` and share the .json; otherwise ask its '
        'author for `tools/test.py CONFIG CKPT --dump result.json`.')


def _load_pickle(path: str) -> Any:
    with open(path, 'rb') as f:
        data = f.read()  # bounded by the file; no read claims more
    token = _BYTES_LEFT.set([4 * len(data) + (1 << 20)])
    try:
        loaded = _ResultUnpickler(io.BytesIO(data)).load()
        return _materialize(loaded, [len(data) + 1024], set())
    except _Refused as e:
        raise UnsafeResultFileError(_refusal_message(path, str(e))) from None
    except pickle.UnpicklingError as e:
        if 'persistent' in str(e):
            raise UnsafeResultFileError(_refusal_message(
                path, f'persistent ids refused ({e})')) from None
        raise ResultFileError(f'{path} is not a readable results pickle '
                              f'({e}).') from None
    except (RecursionError, MemoryError) as e:
        raise ResultFileError(f'{path} is not a readable results pickle '
                              f'({type(e).__name__}).') from None
    except Exception as e:  # malformed opcodes: EOF, bad types, ...
        raise ResultFileError(f'{path} is not a readable results pickle '
                              f'({type(e).__name__}: {e}).') from None
    finally:
        _BYTES_LEFT.reset(token)


def load_results(path: str) -> List[Dict]:
    """Read the records of a result file without running anything from it.

    ``.json``: nl1d's results document (arrays restored as the tensors /
    numpy arrays they were) or a bare list of records. ``.pkl`` /
    ``.pickle``: mmengine's ``DumpResults`` pickle, read by an unpickler that
    admits only what ``tools/test.py --dump`` writes.

    Args:
        path (str): The file.

    Returns:
        list[dict]: The records (data samples), as ``pickle.load`` of a
        legitimate dump gives them.

    Raises:
        FileNotFoundError: No such file.
        UnsafeResultFileError: A pickle that needs any other global or call;
            nothing from it was executed.
        ResultFileError: An unknown suffix, a malformed file, or one that is
            not a list of record dicts.
    """
    path = str(path)
    check_result_path(path, 'result file')
    if not osp.isfile(path):
        raise FileNotFoundError(
            f'{path}: no such result file; write it with `tools/test.py '
            'CONFIG CKPT --dump result.json`.')
    if _suffix(path) in SAFE_SUFFIXES:
        return _load_json(path)
    return check_records(_load_pickle(path), path)


def check_records(records: Any, path: str) -> List[Dict]:
    """``records`` if it is the list of record dicts ``tools/test.py
    --dump`` writes.

    Args:
        records (Any): What a result file held.
        path (str): The file, for the error.

    Returns:
        list[dict]: ``records``.

    Raises:
        ResultFileError: It is anything else.
    """
    if not isinstance(records, list) or not all(
            isinstance(r, dict) for r in records):
        raise ResultFileError(
            f'{path} holds a {type(records).__name__}, not the list of record '
            'dicts that `tools/test.py --dump` writes.')
    return records
