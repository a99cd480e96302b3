# Copyright (c) nl1d contributors. All rights reserved.
"""Inference and deployment APIs.

The names are imported on first use (PEP 562), so that
``python -m nl1d.apis.inference`` runs that module once, as ``__main__``.
"""
import importlib
from typing import Any

_EXPORTS = {
    'init_recognizer': 'inference',
    'inference_recognizer': 'inference',
    'iter_inference': 'inference',
    'get_test_pipeline': 'inference',
    'prepare_record': 'inference',
    'ExportableRecognizer': 'exportable_recognizer',
    'export_onnx': 'onnx_export',
    'OnnxRecognizer': 'onnx_inference',
    'MetadataError': 'onnx_metadata',
    'parse_metadata': 'onnx_metadata',
    'check_pipeline': 'onnx_metadata',
    'format_probabilities': 'classify',
    'classify_onnx': 'classify',
    'score_rows': 'score_files',
}

__all__ = list(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        module = importlib.import_module(f'.{_EXPORTS[name]}', __name__)
        return getattr(module, name)
    raise AttributeError(f'module {__name__!r} has no attribute {name!r}')


def __dir__() -> list:
    return sorted(list(globals()) + __all__)
