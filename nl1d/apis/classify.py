# Copyright (c) nl1d contributors. All rights reserved.
"""Classify one record and say it in words: the class probabilities,
highest first, and the decision at each threshold frozen on validation
(``demo/demo_signal.py``), with a PyTorch checkpoint or an exported ONNX
model.

Class names and threshold prefixes come from files (a checkpoint, a model's
metadata): they are printed with their control characters escaped.
"""
from typing import Dict, Optional, Sequence

from nl1d.datasets.class_names import escape_control_chars
from nl1d.runtime.cli import load_config


def format_probabilities(probs: Sequence[float],
                         classes: Optional[Sequence[str]] = None,
                         thresholds: Optional[Dict] = None) -> str:
    """Lines ``class: probability``, highest first, and the decision at a
    threshold frozen on validation when the checkpoint holds one.

    Class names and threshold prefixes come from a file (a checkpoint, a
    model's metadata): their control characters (ANSI escape sequences,
    ``\\r``, ``\\n``, ...) are printed escaped
    (:func:`~nl1d.datasets.class_names.escape_control_chars`).

    Args:
        probs (Sequence[float]): (K,) class probabilities.
        classes (Sequence[str], optional): Class names. Defaults to None
            (indices).
        thresholds (dict, optional): ``checkpoint['meta']['thresholds']``.
            Defaults to None.

    Returns:
        str: The text to print.
    """
    probs = [float(p) for p in probs]
    names = [escape_control_chars(name) for name in classes] \
        if classes is not None and len(classes) == len(probs) else \
        [str(k) for k in range(len(probs))]
    order = sorted(range(len(probs)), key=lambda k: -probs[k])
    width = max(len(n) for n in names)
    lines = [f'{names[k]:>{width}}: {probs[k]:.4f}' for k in order]
    if thresholds and len(probs) <= 2:
        for prefix, entry in sorted(thresholds.items()):
            positive = probs[-1] >= entry['threshold']
            lines.append(
                f'{escape_control_chars(prefix)}: score {probs[-1]:.4f} '
                f'{">=" if positive else "<"} threshold '
                f'{entry["threshold"]:.4f} (chosen on validation) -> '
                f'{names[-1] if positive else names[0]}')
    return '\n'.join(lines)


def classify(config: str,
             checkpoint: str,
             signal: str,
             device: str = 'cpu',
             sampling_rate: Optional[float] = None,
             cfg_options: Optional[Dict] = None) -> str:
    """Classify ``signal`` with the recognizer of ``config`` +
    ``checkpoint`` in PyTorch, as ``tools/test.py`` does.

    Args:
        config (str): The config file.
        checkpoint (str): The checkpoint (read weights-only).
        signal (str): A ``.npy`` record (channels, samples).
        device (str): E.g. ``'cpu'``, ``'cuda:0'``. Defaults to ``'cpu'``.
        sampling_rate (float, optional): Hz. Defaults to the test
            dataset's.
        cfg_options (dict, optional): ``--cfg-options`` overrides.

    Returns:
        str: :func:`format_probabilities` of the result.
    """
    from .inference import inference_recognizer, init_recognizer
    cfg = load_config(config, cfg_options)
    model = init_recognizer(cfg, checkpoint, device=device)
    result = inference_recognizer(model, signal, sampling_rate=sampling_rate)
    classes = (getattr(model, 'dataset_meta', None) or {}).get('classes')
    return format_probabilities(result.pred_score.cpu().tolist(), classes,
                                getattr(model, 'thresholds', None))


def classify_onnx(model: str,
                  signal: str,
                  config: Optional[str] = None,
                  sampling_rate: Optional[float] = None,
                  cfg_options: Optional[Dict] = None) -> str:
    """Classify ``signal`` with an exported model in ONNX Runtime; PyTorch
    only cuts the windows (nl1d's test pipeline).

    Args:
        model (str): A ``.onnx`` file of ``tools/deployment/
            export_onnx.py``.
        signal (str): A ``.npy`` record (channels, samples).
        config (str, optional): Cut the windows with this config's test
            pipeline (and sampling rate); the pipeline stored in the model
            is then not even decoded. Defaults to None (the stored one).
        sampling_rate (float, optional): Hz. Defaults to the pipeline's.
        cfg_options (dict, optional): Overrides of ``config``.

    Returns:
        str: :func:`format_probabilities` of the result.

    Raises:
        MetadataError: The model's metadata is refused (see
            :mod:`nl1d.apis.onnx_metadata`); nothing from it was built.
    """
    from .onnx_inference import OnnxRecognizer
    pipeline = rate = None
    if config:
        from .inference import get_sampling_rate, get_test_pipeline
        cfg = load_config(config, cfg_options)
        pipeline, rate = get_test_pipeline(cfg), get_sampling_rate(cfg)
    if sampling_rate is not None:
        rate = sampling_rate
    recognizer = OnnxRecognizer(model, pipeline, rate)
    probs = recognizer(signal)
    return format_probabilities(probs.tolist(), recognizer.classes,
                                recognizer.thresholds)
