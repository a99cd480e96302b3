# Copyright (c) nl1d contributors. All rights reserved.
"""Reading a results pickle without running it: an unpickler whose only
globals are the stand-ins of :mod:`.pickle_records`, and the walk that
turns their records into tensors and arrays."""
import collections
import io
import os.path as osp
import pickle
from typing import Any, Dict, List, Tuple

from .common import MAX_DEPTH, ResultFileError, UnsafeResultFileError
from .pickle_records import (_BYTES_LEFT, _NDARRAY, _ArrayRecord, _DtypeRecord,
                             _Global, _HooksRecord, _latin1, _load_storage,
                             _ordered_dict, _rebuild_tensor_v2, _reconstruct,
                             _Refused, _refuse, _scalar, _ScalarRecord,
                             _TensorRecord, _dtype)


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


