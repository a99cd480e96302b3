# Copyright (c) nl1d contributors. All rights reserved.
"""What every result-file format shares: the suffixes, the errors and the
limits."""
import os.path as osp
import pickle
import reprlib


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

