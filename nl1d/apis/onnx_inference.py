# Copyright (c) nl1d contributors. All rights reserved.
"""Classify records with an exported ONNX model in ONNX Runtime.

The model (from ``tools/deployment/export_onnx.py``) runs in ONNX Runtime,
with no PyTorch module involved. The record is prepared as ``tools/test.py``
prepares it: the test pipeline stored in the model's metadata at export
(or a config's, :func:`~nl1d.apis.inference.get_test_pipeline`) cuts the
windows; that data preparation is nl1d's, so nl1d is imported.
"""
import json
from pathlib import Path
from typing import Any, Dict, List, Optional, Union

import numpy as np

from .onnx_export import INPUT_NAME


def create_session(onnx_path: str, num_threads: Optional[int] = None):
    """An ONNX Runtime session on the CPU.

    Args:
        onnx_path (str): The ``.onnx`` file.
        num_threads (int, optional): Intra-op threads. Defaults to ONNX
            Runtime's choice (the physical cores).

    Returns:
        onnxruntime.InferenceSession: The session.
    """
    try:
        import onnxruntime as ort
    except ImportError as e:
        raise ImportError(
            'ONNX Runtime is not installed: `pip install onnxruntime` (or '
            '`pip install -r requirements/optional.txt`).') from e
    options = ort.SessionOptions()
    if num_threads:
        options.intra_op_num_threads = num_threads
    return ort.InferenceSession(
        str(onnx_path), options, providers=['CPUExecutionProvider'])


def read_metadata(onnx_path: str) -> Dict[str, Any]:
    """The metadata written by :func:`~nl1d.apis.onnx_export.export_onnx`,
    JSON values decoded.

    Args:
        onnx_path (str): The ``.onnx`` file.

    Returns:
        dict: ``test_pipeline``, ``classes``, ``thresholds``,
        ``sampling_rate``, ``average_clips``, ``opset``, ``config``, ...
        (empty for a model exported by other means).
    """
    session = create_session(onnx_path)
    raw = session.get_modelmeta().custom_metadata_map
    meta: Dict[str, Any] = {}
    for key, value in raw.items():
        try:
            meta[key] = json.loads(value)
        except (TypeError, ValueError):
            meta[key] = value
    return meta


class OnnxRecognizer:
    """An exported recognizer in ONNX Runtime, used like
    :func:`~nl1d.apis.inference_recognizer`.

    Args:
        onnx_path (str): The ``.onnx`` file.
        test_pipeline (list[dict], optional): Transform configs that cut the
            windows. Defaults to the pipeline stored in the model at export
            (the config's test dataset's).
        sampling_rate (float, optional): Hz. Defaults to the stored one.
        num_threads (int, optional): ONNX Runtime intra-op threads.
            Defaults to ONNX Runtime's choice.

    Attributes:
        classes (list[str] | None): Class names stored at export.
        thresholds (dict | None): Thresholds chosen on validation, as
            ``checkpoint['meta']['thresholds']``.

    Examples:
        >>> model = OnnxRecognizer('model.onnx')
        >>> model('record.npy')  # (K,) class probabilities
        array([0.18, 0.82], dtype=float32)
    """

    def __init__(self,
                 onnx_path: str,
                 test_pipeline: Optional[List[Dict]] = None,
                 sampling_rate: Optional[float] = None,
                 num_threads: Optional[int] = None) -> None:
        self.session = create_session(onnx_path, num_threads)
        self.metadata = read_metadata(onnx_path)
        pipeline = test_pipeline or self.metadata.get('test_pipeline')
        if not pipeline:
            raise ValueError(
                f'{onnx_path} holds no test pipeline (it was not exported by '
                'tools/deployment/export_onnx.py): give the config, whose '
                'test pipeline cuts the windows.')
        self.test_pipeline = pipeline
        self.sampling_rate = sampling_rate if sampling_rate is not None \
            else self.metadata.get('sampling_rate')
        self.classes = self.metadata.get('classes')
        self.thresholds = self.metadata.get('thresholds')

    def windows(self, signal_or_path: Union[str, Path,
                                            np.ndarray]) -> np.ndarray:
        """Cut one record into the windows of the test pipeline.

        Args:
            signal_or_path (str | Path | np.ndarray): A ``.npy`` file or an
                array, (C, L) (or (L,)).

        Returns:
            np.ndarray: (1, num_clips, C, clip_len) float32.
        """
        from mmengine.registry import init_default_scope

        from .inference import prepare_record
        init_default_scope('mmaction')
        data = prepare_record(self.test_pipeline, signal_or_path,
                              self.sampling_rate)
        inputs = data['inputs']
        inputs = inputs.numpy() if hasattr(inputs, 'numpy') else inputs
        return np.ascontiguousarray(inputs[None], dtype=np.float32)

    def run(self, windows: np.ndarray) -> np.ndarray:
        """Run the graph on prepared windows.

        Args:
            windows (np.ndarray): (N, num_clips, C, L) float32.

        Returns:
            np.ndarray: ``pred_score``, (N, K).
        """
        return self.session.run(None, {INPUT_NAME: windows})[0]

    def __call__(self, signal_or_path: Union[str, Path,
                                             np.ndarray]) -> np.ndarray:
        """Classify one record.

        Args:
            signal_or_path (str | Path | np.ndarray): A ``.npy`` file or an
                array, (C, L) (or (L,)).

        Returns:
            np.ndarray: (K,) ``pred_score`` (class probabilities averaged
            over the windows, as ``tools/test.py`` dumps them).
        """
        return self.run(self.windows(signal_or_path))[0]
