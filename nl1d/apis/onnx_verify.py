# Copyright (c) nl1d contributors. All rights reserved.
"""Check an exported ONNX model against the recognizer it came from: ONNX
Runtime and PyTorch on the same random windows."""
import math
from typing import Any, Dict, List, Sequence

import numpy as np
import torch
import torch.nn as nn
from torch import Tensor

from .onnx_export import INPUT_NAME


def max_abs_diff(a: np.ndarray, b: np.ndarray) -> float:
    """``max |a - b|`` (``inf`` for different shapes, ``nan`` kept)."""
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    if a.shape != b.shape:
        return math.inf
    return float(np.max(np.abs(a - b))) if a.size else 0.0


def reference_scores(model: nn.Module, inputs: Tensor) -> np.ndarray:
    """``pred_score`` of the recognizer itself in PyTorch, through its
    ``test_step`` (data preprocessor, memory-lean attention, the head's clip
    averaging), as ``tools/test.py`` computes it.

    Args:
        model (nn.Module): The recognizer.
        inputs (Tensor): (N, num_clips, C, L) windows.

    Returns:
        np.ndarray: (N, K) (or (N, num_clips, K) with
        ``average_clips=None``).
    """
    from mmaction.structures import ActionDataSample
    data = dict(
        inputs=[x for x in inputs],
        data_samples=[ActionDataSample() for _ in range(len(inputs))])
    with torch.no_grad():
        results = model.test_step(data)
    return np.stack([r.pred_score.cpu().float().numpy() for r in results])


def verify_onnx(model: nn.Module,
                onnx_path: str,
                shapes: Sequence[Sequence[int]],
                seed: int = 0) -> List[Dict[str, Any]]:
    """Run the ONNX model in ONNX Runtime and the recognizer in PyTorch
    (:func:`reference_scores`) on the same random windows; report the
    largest difference per shape.

    Args:
        model (nn.Module): The recognizer the model was exported from.
        onnx_path (str): The exported model.
        shapes (Sequence[Sequence[int]]): Input shapes (N, num_clips, C, L).
        seed (int): Seed of the random inputs. Defaults to 0.

    Returns:
        list[dict]: ``shape`` and ``max_abs_diff`` per input shape.
    """
    from .onnx_inference import create_session
    session = create_session(onnx_path)
    generator = torch.Generator().manual_seed(seed)
    report = []
    for shape in shapes:
        x = torch.randn(*shape, generator=generator)
        expected = reference_scores(model, x)
        got = session.run(None, {INPUT_NAME: x.numpy()})[0]
        report.append(
            dict(shape=list(shape), max_abs_diff=max_abs_diff(got, expected)))
    return report
