# Copyright (c) nl1d contributors. All rights reserved.
"""Hand-crafted malicious result pickles, written with raw protocol-2
opcodes, and a live check that each one really runs code.

Every payload is a ``tools/test.py --dump``-shaped list of one record whose
``pred_score`` field carries a gadget that, when the file is read with plain
``pickle.load`` (what nl1d's tools did before), creates a marker file.
:func:`assert_payload_is_live` proves that, so a test that sees nl1d's
reader refuse the same bytes (and the marker stay absent) tests a real
attack, not a malformed file.

Used by ``tests/evaluation/test_results.py`` (the reader) and
``tests/tools/test_analysis_tools.py`` (every tool that reads dumps).
"""
import os.path as osp
import pickle
import struct
from typing import Callable, Dict

import numpy as np
import torch

# pickle opcodes and writers, shared with the checkpoint payloads
from tests.checkpoint.checkpoint_payloads import (  # noqa: E402,F401
    BUILD, EMPTY_DICT, EMPTY_TUPLE, MARK, NEWFALSE, PROTO, REDUCE, SETITEM,
    STOP, TUPLE, call, get, glob, integer, latin1, put, text)

EMPTY_LIST, APPEND, POP = b']', b'a', b'0'


def as_dump(value: bytes) -> bytes:
    """``[{'filename': 'rec0.npy', 'pred_score': <value>}]``: a dump-shaped
    pickle whose record carries ``value``."""
    return (PROTO + EMPTY_LIST + EMPTY_DICT + text('filename') +
            text('rec0.npy') + SETITEM + text('pred_score') + value + SETITEM +
            APPEND + STOP)


def shell(marker: str) -> str:
    return f'touch {marker}'


def python_code(marker: str) -> str:
    return f'open({marker!r}, "w").close()'


def os_system(marker: str) -> bytes:
    """os.system('touch MARKER')."""
    return as_dump(call(glob('os', 'system'), text(shell(marker))))


def subprocess_call(marker: str) -> bytes:
    """subprocess.check_call(['touch', MARKER])."""
    argv = EMPTY_LIST + text('touch') + APPEND + text(marker) + APPEND
    return as_dump(call(glob('subprocess', 'check_call'), argv))


def builtins_exec(marker: str) -> bytes:
    """builtins.exec("open(MARKER, 'w').close()")."""
    return as_dump(call(glob('builtins', 'exec'), text(python_code(marker))))


def getattr_gadget(marker: str) -> bytes:
    """getattr(__import__('os'), 'system')('touch MARKER')."""
    system = call(glob('builtins', 'getattr'),
                  call(glob('builtins', '__import__'), text('os')),
                  text('system'))
    return as_dump(system + MARK + text(shell(marker)) + TUPLE + REDUCE)


def rebuild_from_type(marker: str) -> bytes:
    """torch._tensor._rebuild_from_type_v2(exec, type, (code,), {}): torch
    calls its first argument (allowed by torch's weights-only defaults)."""
    return as_dump(call(
        glob('torch._tensor', '_rebuild_from_type_v2'),
        glob('builtins', 'exec'), glob('builtins', 'object'),
        MARK + text(python_code(marker)) + TUPLE, EMPTY_DICT))


def storage_bytes(marker: str) -> bytes:
    """A tensor whose storage bytes are a pickle running os.system: every
    global of the outer pickle is one ``DumpResults`` writes, and
    ``torch.storage._load_from_bytes`` reads the bytes with
    ``torch.load(weights_only=False)``."""
    inner = (PROTO + call(glob('os', 'system'), text(shell(marker))) + STOP)
    storage = call(glob('torch.storage', '_load_from_bytes'), latin1(inner))
    return as_dump(call(
        glob('torch._utils', '_rebuild_tensor_v2'), storage, integer(0),
        MARK + integer(1) + TUPLE, MARK + integer(1) + TUPLE, NEWFALSE,
        call(glob('collections', 'OrderedDict'))))


#: The attribute :func:`build_on_global` plants on torch's function.
PLANTED = 'nl1d_planted_by_build'


def build_on_global(marker: str) -> bytes:
    """BUILD on an allowed global (plants an attribute on torch's
    ``_rebuild_tensor_v2``, the start of a gadget that changes a function
    for later calls), then os.system."""
    planted = (glob('torch._utils', '_rebuild_tensor_v2') + EMPTY_DICT +
               text(PLANTED) + integer(1) + SETITEM + BUILD + POP)
    return as_dump(planted + call(glob('os', 'system'), text(shell(marker))))


def reconstruct_foreign_class(marker: str) -> bytes:
    """numpy's _reconstruct with another class than ndarray (a masked
    array), then os.system."""
    array = call(glob('numpy._core.multiarray', '_reconstruct'),
                 glob('numpy.ma.core', 'MaskedArray'),
                 MARK + integer(0) + TUPLE, latin1(b'b'))
    return as_dump(array + POP +
                   call(glob('os', 'system'), text(shell(marker))))


#: name -> payload(marker path) -> pickle bytes.
PAYLOADS: Dict[str, Callable[[str], bytes]] = {
    'os_system': os_system,
    'subprocess': subprocess_call,
    'exec': builtins_exec,
    'getattr': getattr_gadget,
    'rebuild_from_type': rebuild_from_type,
    'storage_bytes': storage_bytes,
    'build_on_global': build_on_global,
    'reconstruct_foreign_class': reconstruct_foreign_class,
}

#: What nl1d's refusal names for each payload.
REFUSED = {
    'os_system': 'os.system',
    'subprocess': 'subprocess.check_call',
    'exec': 'builtins.exec',
    'getattr': 'builtins.getattr',
    'rebuild_from_type': 'torch._tensor._rebuild_from_type_v2',
    'storage_bytes': 'storage bytes of a tensor need the global os.system',
    'build_on_global': 'BUILD on torch._utils._rebuild_tensor_v2',
    'reconstruct_foreign_class': 'numpy.ma.core.MaskedArray',
}


def write_payload(name: str, folder: str, filename: str = 'result.pkl'):
    """Write payload ``name`` to ``folder/filename``.

    Returns:
        tuple[str, str]: The pickle's path and the marker's path (absent).
    """
    marker = osp.join(folder, f'{name}.marker')
    path = osp.join(folder, filename)
    with open(path, 'wb') as f:
        f.write(PAYLOADS[name](marker))
    assert not osp.exists(marker)
    return path, marker


def assert_payload_is_live(path: str, marker: str) -> None:
    """Read ``path`` with plain ``pickle.load`` (errors after the gadget ran
    are expected) and check that it created ``marker``."""
    assert not osp.exists(marker), 'the marker exists before the control'
    try:
        with open(path, 'rb') as f:
            pickle.load(f)
    except Exception:  # noqa: B902  (the gadget has run by then)
        pass
    finally:
        torch._utils._rebuild_tensor_v2.__dict__.pop(PLANTED, None)
    assert osp.exists(marker), f'{path} did not run its payload'


# ------------------------------------------------- building blocks for tests
LIST, NEWTRUE, NONE = b'l', b'\x88', b'N'


def ints(values) -> bytes:
    """A tuple of ints."""
    return MARK + b''.join(integer(v) for v in values) + TUPLE


def storage_of(numel: int, raw: bytes, storage: str = 'FloatStorage'
               ) -> bytes:
    """The bytes ``torch.save(storage)`` writes in torch's legacy format
    (what ``TypedStorage.__reduce__`` pickles), claiming ``numel``
    elements and holding ``raw``."""
    marker = object()

    class _Pickler(pickle.Pickler):

        def persistent_id(self, obj):
            if obj is marker:
                return ('storage', getattr(torch, storage), 'k', 'cpu',
                        numel, None)
            return None

    import io
    stream = io.BytesIO()
    for value in (0x1950a86a20f9469cfc6c, 1001,
                  dict(protocol_version=1001, little_endian=True,
                       type_sizes=dict(short=2, int=4, long=4))):
        pickle.dump(value, stream, protocol=2)
    _Pickler(stream, protocol=2).dump(marker)
    pickle.dump(['k'], stream, protocol=2)
    stream.write(struct.pack('<q', numel))
    stream.write(raw)
    return stream.getvalue()


def tensor_op(storage_bytes: bytes, offset: int, size, stride) -> bytes:
    """Opcodes of a tensor as ``pickle.dump`` writes one (protocol 2)."""
    storage = call(glob('torch.storage', '_load_from_bytes'),
                   latin1(storage_bytes))
    return call(glob('torch._utils', '_rebuild_tensor_v2'), storage,
                integer(offset), ints(size), ints(stride), NEWFALSE,
                call(glob('collections', 'OrderedDict')))


def dtype_op(spec: str = 'f4', byteorder: str = '<') -> bytes:
    """Opcodes of a numpy dtype (numpy.dtype(spec, False, True) + BUILD)."""
    state = (MARK + integer(3) + text(byteorder) + NONE + NONE + NONE +
             integer(-1) + integer(-1) + integer(0) + TUPLE)
    return (call(glob('numpy', 'dtype'), text(spec), NEWFALSE, NEWTRUE) +
            state + BUILD)


def ndarray_op(shape, raw_op: bytes, spec: str = 'f4') -> bytes:
    """Opcodes of a numpy array as protocol 2 writes it; ``raw_op`` pushes
    its raw bytes (e.g. :func:`latin1` or :func:`get`)."""
    array = call(glob('numpy._core.multiarray', '_reconstruct'),
                 glob('numpy', 'ndarray'), ints((0, )), latin1(b'b'))
    state = (MARK + integer(1) + ints(shape) + dtype_op(spec) + NEWFALSE +
             raw_op + TUPLE)
    return array + state + BUILD


def assert_same_records(expected, actual, where='records') -> None:
    """Deep equality with the types: tensors and arrays of the same class,
    dtype, shape, strides and values."""
    assert type(actual) is type(expected), \
        f'{where}: {type(actual)} vs {type(expected)}'
    if isinstance(expected, dict):
        assert list(actual) == list(expected), where
        for key in expected:
            assert_same_records(expected[key], actual[key], f'{where}.{key}')
    elif isinstance(expected, (list, tuple)):
        assert len(actual) == len(expected), where
        for i, (a, b) in enumerate(zip(expected, actual)):
            assert_same_records(a, b, f'{where}[{i}]')
    elif isinstance(expected, torch.Tensor):
        assert (actual.dtype, actual.shape, actual.stride(),
                actual.storage_offset(), actual.requires_grad) == (
                    expected.dtype, expected.shape, expected.stride(),
                    expected.storage_offset(), expected.requires_grad), where
        assert torch.equal(actual, expected), where
    elif isinstance(expected, np.ndarray):
        assert (actual.dtype, actual.shape, actual.strides,
                actual.flags.writeable) == (
                    expected.dtype, expected.shape, expected.strides,
                    expected.flags.writeable), where
        np.testing.assert_array_equal(actual, expected, err_msg=where)
    elif isinstance(expected, float) and expected != expected:  # NaN
        assert actual != actual, where
    else:
        assert actual == expected, where
