# Copyright (c) nl1d contributors. All rights reserved.
"""nl1d's results JSON: records as plain lists, numbers and strings, with
the dtypes of the fields that were arrays (see :mod:`nl1d.evaluation.
results`)."""
import collections
import json
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch

from .common import (_ARRAY_DTYPES, JSON_FORMAT, JSON_VERSION, MAX_DEPTH,
                     ResultFileError, _repr)


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


