# Copyright (c) nl1d contributors. All rights reserved.
"""The inert stand-ins a results pickle is read into: each global that
mmengine's ``DumpResults`` pickles is resolved to a stand-in that checks its
arguments and records them (:mod:`.unpickler` says which); nothing the file
names is imported or called."""
import collections
import contextvars
import io
import math
import pickle
import struct
from typing import Any, Callable, Tuple

import numpy as np
import torch

from .common import _ARRAY_DTYPES, _repr


class _Refused(Exception):
    """Raised inside the unpickler; :func:`_load_pickle` adds the file."""


#: Bytes the arrays, storages and tensors of the pickle being read may
#: still claim (:func:`_charge`); set per load by :func:`_load_pickle`.
_BYTES_LEFT: contextvars.ContextVar = contextvars.ContextVar('bytes_left')
#: What each tensor, array or scalar costs besides its data (its object).
_OBJECT_COST = 32



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

