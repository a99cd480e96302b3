# Copyright (c) nl1d contributors. All rights reserved.
"""The few non-tensor structures of mmengine checkpoints, read without
trusting the pickle and written so that nothing needs reading.

mmengine 0.10.7 checkpoints hold, besides tensors and plain values, the
message hub's statistics (``HistoryBuffer`` objects whose state pickles its
statistics methods through ``builtins.getattr``) and numpy arrays, dtypes
and scalars. Allow-listing those globals in torch's weights-only unpickler
is unsafe: ``getattr`` reads any attribute of any object on the unpickler's
stack, torch's default-allowed ``torch._tensor._rebuild_from_type_v2`` calls
whatever it is given, and ``HistoryBuffer.__setstate__`` merges the pickled
statistics methods into a class-wide table that training later calls.

Reading: :data:`SUBSTITUTES` maps each of those global names to an inert
stand-in defined here, for the duration of one load only
(:func:`nl1d.checkpoint.load.safe_load` applies them inside
``torch.serialization.safe_globals``). A stand-in never calls, imports or
looks up anything named by the pickle; it accepts exactly the arguments and
state that mmengine and numpy write, checks their types, and records them;
anything else raises :class:`Refusal` naming the global and the refused
value. :func:`materialize` then builds real objects from the records:
``HistoryBuffer(log_history, count_history, max_length)`` through its
constructor (the pickled statistics methods are dropped: the class already
has its own), numpy arrays from their raw bytes with a numeric dtype.

:func:`materialize` also turns the plain encoding that nl1d writes
(:mod:`nl1d.checkpoint.plain`) back into ``HistoryBuffer`` objects, so
``--resume`` restores the message hub as mmengine saved it.
"""
import math
import re
import reprlib
from collections import OrderedDict
from typing import Any, List, Tuple

import numpy as np
from mmengine.logging import HistoryBuffer

from .plain import HISTORY_BUFFER_KEY, history_buffer_from_plain

#: HistoryBuffer's own statistics methods, the only names
#: ``builtins.getattr`` may take (with HistoryBuffer as the object).
STATISTICS = ('min', 'max', 'current', 'mean')

#: numpy dtype strings accepted: booleans and numbers (no objects, no
#: structures, no strings), as numpy pickles them (``'f8'``, ``'b1'``...).
_DTYPE_SPEC = re.compile(r'^(?:b1|\?|[iu][1248]|f[248]|c(?:8|16))$')
_MAX_DEPTH = 64
_repr = reprlib.Repr()
_repr.maxstring = 60
_repr.maxother = 60


class Refusal(Exception):
    """A checkpoint asked a stand-in for something mmengine never writes.

    Deliberately not a :class:`pickle.UnpicklingError`: torch re-raises
    those as a plain ``UnpicklingError``; this one reaches
    :func:`~nl1d.checkpoint.load.safe_load` unchanged, which turns it into
    an :class:`~nl1d.checkpoint.load.UnsafeCheckpointError`.
    """


def _refuse(what: str, why: str) -> None:
    raise Refusal(f'{what} refused: {why}')


class _StatisticRef:
    """The name of one of HistoryBuffer's statistics methods (inert)."""

    __slots__ = ('name', )

    def __init__(self, name: str) -> None:
        self.name = name

    def __reduce__(self):
        raise TypeError('_StatisticRef is a loading record, not a value to '
                        'pickle')


def _statistic_ref(*args: Any) -> _StatisticRef:
    """Stand-in for ``builtins.getattr``.

    mmengine pickles ``HistoryBuffer._statistics_methods`` as
    ``getattr(HistoryBuffer, 'mean')`` etc. This accepts exactly that form
    (the object being what ``HistoryBuffer`` resolves to during the load,
    the name one of :data:`STATISTICS`) and returns the name, not the
    method: nothing is looked up.
    """
    if (len(args) != 2 or args[0] is not _HistoryBufferRecord
            or not isinstance(args[1], str) or args[1] not in STATISTICS):
        _refuse(
            f'builtins.getattr{_repr.repr(args)}',
            'nl1d interprets getattr only as HistoryBuffer.<statistic> with '
            f'a statistic in {STATISTICS} (mmengine\'s HistoryBuffer state); '
            'getattr on anything else reads attributes such as __globals__ '
            'or __builtins__, a known code-execution gadget')
    return _StatisticRef(args[1])


class _DtypeRecord:
    """Stand-in for ``numpy.dtype``: a boolean or numeric dtype only."""

    __slots__ = ('spec', 'byteorder')

    def __new__(cls, *args: Any, **kwargs: Any) -> '_DtypeRecord':
        # numpy pickles a dtype as dtype(spec, align=False, copy=True) +
        # BUILD(state)
        if (kwargs or not 1 <= len(args) <= 3
                or not isinstance(args[0], str)
                or not _DTYPE_SPEC.match(args[0])
                or not all(isinstance(a, bool) for a in args[1:])):
            _refuse(
                f'numpy.dtype{_repr.repr(args)}',
                'only boolean and numeric dtypes given as a string like '
                "'f8', 'i8', 'b1' are read (no object, structured or string "
                'dtypes)')
        record = object.__new__(cls)
        record.spec = args[0]
        record.byteorder = '='
        return record

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        pass  # everything is checked in __new__

    def __setstate__(self, state: Any) -> None:
        # (version, byteorder, subarray, names, fields, elsize, alignment,
        # flags), as numpy's dtype.__reduce__ writes it for a plain dtype
        if (not isinstance(state, tuple) or len(state) != 8
                or state[0] not in (3, 4) or not isinstance(state[1], str)
                or len(state[1]) != 1 or state[1] not in '<>|='
                or state[2:5] != (None, None, None)
                or not all(type(v) is int for v in state[5:8])
                or state[7] != 0):
            _refuse(
                f'numpy.dtype({self.spec!r}) state {_repr.repr(state)}',
                'a plain dtype\'s state is (3, byteorder, None, None, None, '
                '-1, -1, 0); sub-arrays, fields and object flags are not '
                'read')
        self.byteorder = state[1]

    def dtype(self) -> np.dtype:
        """The numpy dtype recorded."""
        dtype = np.dtype(self.spec)
        if self.byteorder in '<>':
            dtype = dtype.newbyteorder(self.byteorder)
        return dtype


class _NdarrayRecord:
    """Stand-in for ``numpy.ndarray``: shape, numeric dtype and raw bytes."""

    __slots__ = ('array', )

    def __new__(cls, *args: Any, **kwargs: Any) -> '_NdarrayRecord':
        if args or kwargs:
            _refuse(f'numpy.ndarray{_repr.repr(args)}',
                    'arrays are read only through numpy\'s own '
                    '_reconstruct + BUILD form')
        record = object.__new__(cls)
        record.array = None
        return record

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        pass  # everything is checked in __new__

    def __setstate__(self, state: Any) -> None:
        # (version, shape, dtype, is_fortran, raw bytes): numpy's
        # ndarray.__reduce__ for a non-object array
        ok = (isinstance(state, tuple) and len(state) == 5
              and type(state[0]) is int and isinstance(state[1], tuple)
              and all(type(n) is int and n >= 0 for n in state[1])
              and isinstance(state[2], _DtypeRecord)
              and isinstance(state[3], bool)
              and isinstance(state[4], (bytes, bytearray)))
        if ok:
            dtype = state[2].dtype()
            size = math.prod(state[1])
            ok = len(state[4]) == size * dtype.itemsize
        if not ok:
            _refuse(
                f'numpy.ndarray state {_repr.repr(state)}',
                'an array\'s state is (version, shape, numeric dtype, '
                'is_fortran, raw bytes of exactly shape x itemsize)')
        flat = np.frombuffer(bytes(state[4]), dtype=dtype)
        self.array = flat.reshape(
            state[1], order='F' if state[3] else 'C').copy()


def _ndarray_reconstruct(*args: Any) -> _NdarrayRecord:
    """Stand-in for ``numpy.core.multiarray._reconstruct``.

    numpy pickles an array as ``_reconstruct(ndarray, (0,), b'b')`` +
    BUILD(state); only that form, with ``ndarray`` itself as the type, is
    accepted (a foreign subtype would make numpy build an instance of it).
    """
    if (len(args) != 3 or args[0] is not _NdarrayRecord
            or args[1] != (0, ) or args[2] not in (b'b', 'b')):
        _refuse(
            f'numpy.core.multiarray._reconstruct{_repr.repr(args)}',
            'only numpy\'s own form _reconstruct(numpy.ndarray, (0,), '
            "b'b') is read")
    return _NdarrayRecord()


def _numpy_scalar(*args: Any) -> np.generic:
    """Stand-in for ``numpy.core.multiarray.scalar``: a numeric scalar from
    its dtype and raw bytes."""
    ok = (len(args) == 2 and isinstance(args[0], _DtypeRecord)
          and isinstance(args[1], (bytes, bytearray)))
    if ok:
        dtype = args[0].dtype()
        ok = len(args[1]) == dtype.itemsize
    if not ok:
        _refuse(
            f'numpy.core.multiarray.scalar{_repr.repr(args)}',
            'a scalar is read from a numeric dtype and exactly itemsize raw '
            'bytes')
    return np.frombuffer(bytes(args[1]), dtype=dtype)[0]


class _HistoryBufferRecord:
    """Stand-in for ``mmengine.logging.HistoryBuffer``: its logged values.

    The real class is never put on an allow-list: its ``__setstate__``
    merges the pickled ``statistics_methods`` into a class-wide table that
    the message hub calls during training.
    """

    __slots__ = ('max_length', 'log_history', 'count_history')
    _KEYS = ('max_length', '_log_history', '_count_history',
             'statistics_methods')

    def __new__(cls, *args: Any, **kwargs: Any) -> '_HistoryBufferRecord':
        if args or kwargs:
            _refuse(
                f'mmengine.logging.history_buffer.HistoryBuffer'
                f'{_repr.repr(args)}', 'HistoryBuffer is read only through '
                'its pickled state (NEWOBJ + BUILD)')
        return object.__new__(cls)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        pass  # everything is checked in __new__

    def __setstate__(self, state: Any) -> None:
        what = 'HistoryBuffer state'
        if not isinstance(state, dict) or not set(state) <= set(self._KEYS):
            _refuse(f'{what} {_repr.repr(state)}',
                    f'a HistoryBuffer\'s state holds only {self._KEYS}')
        methods = state.get('statistics_methods', {})
        if not isinstance(methods, dict) or not all(
                isinstance(v, _StatisticRef) and k == v.name
                for k, v in methods.items()):
            _refuse(
                f'{what} statistics_methods={_repr.repr(methods)}',
                'statistics methods may only be HistoryBuffer\'s own '
                f'{STATISTICS}, each under its own name')
        histories = [state.get(k) for k in ('_log_history', '_count_history')]
        if not all(
                isinstance(h, _NdarrayRecord) and h.array is not None
                and h.array.ndim == 1 and h.array.dtype.kind in 'biuf'
                for h in histories) or len(histories[0].array) != len(
                    histories[1].array):
            _refuse(
                f'{what} {_repr.repr(state)}', '_log_history and '
                '_count_history must be 1-D numeric arrays of equal length')
        if type(state.get('max_length')) is not int or state['max_length'] < 1:
            _refuse(f'{what} max_length={_repr.repr(state.get("max_length"))}',
                    'max_length must be a positive int')
        self.max_length = state['max_length']
        self.log_history = histories[0].array
        self.count_history = histories[1].array

    def build(self) -> HistoryBuffer:
        """A real HistoryBuffer, through its constructor."""
        return HistoryBuffer(self.log_history, self.count_history,
                             self.max_length)


#: ``(stand-in, global name)`` pairs for ``torch.serialization.
#: safe_globals``: each name mmengine / numpy pickles maps to an inert
#: stand-in of this module, never to the real object.
SUBSTITUTES: List[Tuple[Any, str]] = [
    (_HistoryBufferRecord, 'mmengine.logging.history_buffer.HistoryBuffer'),
    (_statistic_ref, 'builtins.getattr'),
    (_NdarrayRecord, 'numpy.ndarray'),
    (_DtypeRecord, 'numpy.dtype'),
    (_ndarray_reconstruct, 'numpy.core.multiarray._reconstruct'),
    (_ndarray_reconstruct, 'numpy._core.multiarray._reconstruct'),
    (_numpy_scalar, 'numpy.core.multiarray.scalar'),
    (_numpy_scalar, 'numpy._core.multiarray.scalar'),
]


#: Most container items :func:`materialize` visits in one checkpoint (a
#: ResNet-50 checkpoint with optimizer state and message hub has < 10^4).
MAX_ITEMS = 10_000_000


def materialize(obj: Any) -> Any:
    """Replace the loading records of ``obj`` (and nl1d's plain
    ``HistoryBuffer`` encoding) by real objects.

    Containers (dict, OrderedDict, list, tuple, set) are rebuilt with
    materialized items; tensors and plain values are returned as they are.
    A container the pickle shares between several places (its memo) is
    materialized once and stays shared, so a small file of nested shared
    lists cannot make this walk exponentially long.

    Args:
        obj (Any): What the private weights-only unpickler returned.

    Returns:
        Any: ``obj`` with ``HistoryBuffer``, numpy arrays and dtypes in
        place of their records.

    Raises:
        Refusal: A record outside the place mmengine writes it (a getattr
            result outside a HistoryBuffer's state), a malformed plain
            HistoryBuffer, a container that contains itself, nesting deeper
            than 64 levels or more than :data:`MAX_ITEMS` items.
    """
    return _Materializer().run(obj, 0)


class _Materializer:
    """One :func:`materialize` walk: its memo and its item count."""

    def __init__(self) -> None:
        self.done: dict = {}  # id(container) -> (container, result)
        self.active: set = set()
        self.items = 0

    def run(self, obj: Any, depth: int) -> Any:
        if isinstance(obj, _HistoryBufferRecord):
            return obj.build()
        if isinstance(obj, _NdarrayRecord):
            if obj.array is None:
                _refuse('numpy.ndarray', 'an array without its state')
            return obj.array
        if isinstance(obj, _DtypeRecord):
            return obj.dtype()
        if isinstance(obj, _StatisticRef):
            _refuse(f'builtins.getattr(HistoryBuffer, {obj.name!r})',
                    'a statistics method outside a HistoryBuffer\'s state')
        if type(obj) not in (dict, OrderedDict, list, tuple, set):
            return obj
        key = id(obj)
        if key in self.done:
            return self.done[key][1]
        if key in self.active:
            _refuse('nesting', 'a container that contains itself')
        if depth > _MAX_DEPTH:
            _refuse('nesting', f'containers nested deeper than {_MAX_DEPTH}')
        self.items += len(obj)
        if self.items > MAX_ITEMS:
            _refuse('size', f'more than {MAX_ITEMS} container items')
        self.active.add(key)
        result = self._rebuild(obj, depth)
        self.active.discard(key)
        # keep obj alive with its result: its id stays unique in the memo
        self.done[key] = (obj, result)
        return result

    def _rebuild(self, obj: Any, depth: int) -> Any:
        if isinstance(obj, dict):
            if HISTORY_BUFFER_KEY in obj:
                try:
                    return history_buffer_from_plain(obj)
                except ValueError as e:
                    _refuse(f'{HISTORY_BUFFER_KEY} entry {_repr.repr(obj)}',
                            str(e))
            return type(obj)(
                (k, self.run(v, depth + 1)) for k, v in obj.items())
        return type(obj)(self.run(v, depth + 1) for v in obj)
