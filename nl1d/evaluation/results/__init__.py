# Copyright (c) nl1d contributors. All rights reserved.
"""Reading and writing the predictions of ``tools/test.py --dump``: result
files are data, and reading one never runs code from it.

One module per job: :mod:`.common` (suffixes, errors, limits),
:mod:`.json_format` (the JSON document), :mod:`.pickle_records` and
:mod:`.unpickler` (reading mmengine's pickle into inert stand-ins),
:mod:`.io` (the functions below).

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
from .common import (JSON_FORMAT, JSON_VERSION, RESULT_SUFFIXES,
                     SAFE_SUFFIXES, ResultFileError, UnsafeResultFileError,
                     check_result_path)
from .io import check_records, convert_results, load_results, save_results

__all__ = [
    'load_results', 'save_results', 'check_records', 'convert_results',
    'check_result_path', 'ResultFileError', 'UnsafeResultFileError',
    'RESULT_SUFFIXES', 'SAFE_SUFFIXES', 'JSON_FORMAT', 'JSON_VERSION'
]
