# Copyright (c) nl1d contributors. All rights reserved.
"""Classify records with an exported ONNX model in ONNX Runtime.

The model (from ``tools/deployment/export_onnx.py``) runs in ONNX Runtime,
with no PyTorch module involved. The record is prepared as ``tools/test.py``
prepares it: the test pipeline of the user's config
(:func:`~nl1d.apis.inference.get_test_pipeline`), else the one stored in the
model's metadata at export, cuts the windows; that data preparation is
nl1d's, so nl1d is imported. The stored pipeline is built only from nl1d's
own transforms with literal arguments, all checked first
(:mod:`nl1d.apis.onnx_metadata`): a model file is data.
"""
import copy
from pathlib import Path
from typing import Any, Dict, List, Optional, Union

import numpy as np

from .onnx_export import INPUT_NAME
from .onnx_metadata import build_pipeline_configs, parse_metadata


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


def read_metadata(onnx_path: Union[str, Path],
                  with_pipeline: bool = True,
                  session: Optional[Any] = None) -> Dict[str, Any]:
    """The metadata written by :func:`~nl1d.apis.onnx_export.export_onnx`,
    decoded and checked (:func:`~nl1d.apis.onnx_metadata.parse_metadata`)
    before anything is built from it.

    Args:
        onnx_path (str | Path): The ``.onnx`` file (named in messages).
        with_pipeline (bool): Decode and check the stored test pipeline.
            False when the caller brings its own (the stored one is then
            kept as its raw string). Defaults to True.
        session (onnxruntime.InferenceSession, optional): A session on
            ``onnx_path`` already open. Defaults to None (one is opened).

    Returns:
        dict: ``test_pipeline`` (checked steps), ``classes``,
        ``thresholds``, ``sampling_rate``, ``average_clips``, ``opset``
        (None when absent), ``config``, ... as text.

    Raises:
        MetadataError: The metadata holds something nl1d does not build or
            accept (a transform outside the allow-list, a non-literal or
            oversized argument, class names that are not short strings,
            thresholds that are not finite numbers, ...).
    """
    if session is None:
        session = create_session(onnx_path)
    raw = session.get_modelmeta().custom_metadata_map
    return parse_metadata(raw, str(onnx_path), with_pipeline=with_pipeline)


def _drop_loading(pipeline: List[Dict]) -> List[Dict]:
    """``pipeline`` without its loading steps (for an array input, as
    :func:`~nl1d.apis.inference.prepare_record` drops them), ``type`` a
    name or a class."""
    from .inference import LOADING_TRANSFORMS
    return [
        t for t in pipeline
        if getattr(t.get('type'), '__name__', t.get('type')) not in
        LOADING_TRANSFORMS
    ]


class OnnxRecognizer:
    """An exported recognizer in ONNX Runtime, used like
    :func:`~nl1d.apis.inference_recognizer`.

    The model file is data: the test pipeline stored in its metadata is
    built only from nl1d's own transforms with literal arguments, checked
    before anything is built (:mod:`nl1d.apis.onnx_metadata`); anything
    else raises :class:`~nl1d.apis.onnx_metadata.MetadataError`. A pipeline
    the caller gives (``config`` or ``test_pipeline``) always wins, and the
    stored one is then not even decoded.

    Args:
        onnx_path (str): The ``.onnx`` file.
        test_pipeline (list[dict], optional): Transform configs that cut the
            windows (yours: they are built through mmaction's registry).
            Defaults to None (``config``'s, else the model's).
        sampling_rate (float, optional): Hz. Defaults to ``config``'s test
            dataset's, else the stored one.
        num_threads (int, optional): ONNX Runtime intra-op threads.
            Defaults to ONNX Runtime's choice.
        config (str | Path | :obj:`mmengine.Config`, optional): Your config:
            its test dataset's pipeline
            (:func:`~nl1d.apis.inference.get_test_pipeline`) and sampling
            rate. Defaults to None.

    Attributes:
        classes (list[str] | None): Class names stored at export (print
            them through
            :func:`~nl1d.datasets.class_names.escape_control_chars`).
        thresholds (dict | None): Thresholds chosen on validation, as
            ``checkpoint['meta']['thresholds']``.
        test_pipeline (list[dict]): The pipeline that cuts the windows.
        pipeline_source (str): ``'model'`` or ``'caller'``.

    Examples:
        >>> model = OnnxRecognizer('model.onnx')
        >>> model('record.npy')  # (K,) class probabilities
        array([0.18, 0.82], dtype=float32)
        >>> model = OnnxRecognizer('model.onnx', config='my_config.py')
    """

    def __init__(self,
                 onnx_path: str,
                 test_pipeline: Optional[List[Dict]] = None,
                 sampling_rate: Optional[float] = None,
                 num_threads: Optional[int] = None,
                 config: Optional[Any] = None) -> None:
        if config is not None:
            import mmengine

            from .inference import get_sampling_rate, get_test_pipeline
            cfg = config if isinstance(config, mmengine.Config) else \
                mmengine.Config.fromfile(str(config))
            if test_pipeline is None:
                test_pipeline = get_test_pipeline(cfg)
            if sampling_rate is None:
                sampling_rate = get_sampling_rate(cfg)
        self.session = create_session(onnx_path, num_threads)
        given = test_pipeline is not None
        # every field is checked before anything is built; the stored
        # pipeline only when it is the one used
        self.metadata = read_metadata(
            onnx_path, with_pipeline=not given, session=self.session)
        if given:
            if not test_pipeline:
                raise ValueError('OnnxRecognizer: test_pipeline is empty; '
                                 'give the transform configs of your '
                                 "config's test pipeline.")
            self.test_pipeline = [dict(t) for t in test_pipeline]
            self.pipeline_source = 'caller'
            self._pipeline = copy.deepcopy(self.test_pipeline)
        else:
            stored = self.metadata.get('test_pipeline')
            if not stored:
                raise ValueError(
                    f'{onnx_path} holds no test pipeline (it was not '
                    'exported by tools/deployment/export_onnx.py): give your '
                    'config (`config=` / demo `--config`), whose test '
                    'pipeline cuts the windows.')
            self.test_pipeline = stored
            self.pipeline_source = 'model'
            # the allow-listed classes themselves: nothing looked up by name
            self._pipeline = build_pipeline_configs(stored)
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
            np.ndarray: (1, num_clips, C, clip_len) float32 (clip_len the
            record's own length for whole records).
        """
        from mmengine.registry import init_default_scope

        from .inference import prepare_record
        init_default_scope('mmaction')
        pipeline = self._pipeline
        if not isinstance(signal_or_path, (str, Path)):
            pipeline = _drop_loading(pipeline)
        data = prepare_record(pipeline, signal_or_path, self.sampling_rate)
        inputs = data['inputs']
        inputs = inputs.numpy() if hasattr(inputs, 'numpy') else inputs
        return np.ascontiguousarray(inputs[None], dtype=np.float32)

    def run(self, windows: np.ndarray) -> np.ndarray:
        """Run the graph on prepared windows.

        Args:
            windows (np.ndarray): (N, num_clips, C, L) float32, unpadded:
                N records of one length (whole records of different
                lengths go one per call; the graph holds no padding mask).

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
