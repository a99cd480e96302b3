# Copyright (c) nl1d contributors. All rights reserved.
"""Reading and writing result files (the API of
:mod:`nl1d.evaluation.results`)."""
import os.path as osp
import pickle
from typing import Any, Dict, List, Sequence

from nl1d.checkpoint.save import atomic_write

from .common import SAFE_SUFFIXES, ResultFileError, _suffix, check_result_path
from .json_format import _json_text, _load_json
from .unpickler import _load_pickle


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
    atomic_write(_json_text(results, path), path)




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


def _trusted_pickle(path: str) -> List[Dict]:
    """``pickle.load`` of a file the user vouches for (``trust=True``)."""
    with open(path, 'rb') as f:
        records = pickle.load(f)  # noqa: S301  (the user trusts the file)
    return check_records(records, path)


def convert_results(src: str, dst: str, trust: bool = False) -> int:
    """Read ``src`` and write its records to ``dst``, in the format of
    ``dst``'s suffix (``tools/analysis/convert_results.py``).

    Args:
        src (str): The result file to read.
        dst (str): The result file to write.
        trust (bool): Read a pickle ``src`` with Python's ``pickle``, which
            RUNS code from it: only for a file you wrote or whose author you
            trust. Defaults to False (:func:`load_results`).

    Returns:
        int: The number of records written.

    Raises:
        UnsafeResultFileError: ``src`` is a pickle that needs more than
            ``--dump`` writes and ``trust`` is False.
        ResultFileError: A malformed ``src``, an unknown suffix, or a value
            ``dst``'s format cannot hold.
    """
    check_result_path(src, 'src')
    check_result_path(dst, 'dst')
    if osp.abspath(src) == osp.abspath(dst):
        raise ResultFileError(f'src and dst are both {src}: write the '
                              'converted records to another file.')
    if not osp.isfile(src):
        raise FileNotFoundError(f'src {src}: no such file.')
    if trust and src.lower().endswith(('.pkl', '.pickle')):
        records = _trusted_pickle(src)
    else:
        records = load_results(src)
    save_results(records, dst)
    return len(records)
