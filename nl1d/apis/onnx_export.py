# Copyright (c) nl1d contributors. All rights reserved.
"""Export a recognizer to ONNX: the whole test-time model in one graph.

The exported graph is what ``tools/test.py`` computes for a batch of
records, from the windows the test pipeline cut to the scores it dumps:

    inputs (N, num_clips, C, L) float32
      -> data preprocessor normalisation (when the config sets mean/std)
      -> (N * num_clips, C, L) -> backbone (with its non-local blocks)
      -> neck -> head (pooling, fc) -> scores (N * num_clips, K)
      -> clip averaging of the head (``average_clips``):
         'prob': softmax, then the mean over the clips  -> (N, K)
         'score': the mean of the raw scores over the clips -> (N, K)
         None: raw scores per clip                       -> (N, num_clips, K)
    = pred_score

The window sampling (``SampleWindows``) stays outside: it is data
preparation, done by the test pipeline, which :mod:`nl1d.apis.onnx_inference`
runs before ONNX Runtime. The pipeline, class names, thresholds and the
averaging are stored in the model's metadata (:data:`METADATA_KEYS`).

Two things make the graph exportable with dynamic batch, clips and length:

- every :class:`~nl1d.models.layers.NonLocal1d` computes the plain attention
  formula (``attn_impl='naive'``: ``softmax(theta phi^T) g``, ``(theta phi^T
  / L_k) g``, ``ReLU(a_i + b_j) g / L_k``). The memory-lean paths are exact
  too, but the chunked softmax is an autograd Function with a Python loop
  and the sorted concatenation path needs ``searchsorted``, which ONNX lacks;
  ``'auto'`` chooses by size, which the graph must not freeze. The attention
  code also selects the naive path by itself while ``torch.onnx`` exports.
- ``nn.MaxPool1d`` (the stem's pool, ``sub_sample`` in non-local blocks) is
  exported as the identical ``max_pool2d`` over a height of 1: torch.export
  specialises ``max_pool1d`` to the traced length (torch 2.13).

Every mode of the block exports (all four pairwise functions, with and
without ``sub_sample``, as a neck and inside the backbone). What cannot be
exported: ``model.test_cfg.max_testing_views`` (a Python loop over the
clips; it only bounds memory and is ignored) and a backbone with several
``out_indices`` (the head takes one stage).
"""
import contextlib
import copy
import json
import logging
import math
import os.path as osp
import warnings
from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor

from mmaction.registry import MODELS

#: Opset of the exported graphs: 18 is the default of torch 2.13's exporter
#: and the newest that ONNX Runtime >= 1.14 runs everywhere; every operator
#: of the model (Conv, BatchNormalization, MaxPool, MatMul, Softmax, Relu,
#: ReduceMean, Reshape, Gemm) exists in it.
DEFAULT_OPSET = 18

#: Names of the graph's input and output.
INPUT_NAME = 'inputs'
OUTPUT_NAME = 'pred_score'

#: Metadata stored in the model (``onnx.ModelProto.metadata_props``), all
#: strings (JSON for the structured ones).
METADATA_KEYS = ('nl1d_version', 'config', 'checkpoint', 'test_pipeline',
                 'sampling_rate', 'classes', 'thresholds', 'average_clips',
                 'input_layout', 'opset')


class _MaxPool1dAs2d(nn.Module):
    """``nn.MaxPool1d`` computed as ``max_pool2d`` over a height of 1:
    identical values, and a length that stays symbolic in torch.export."""

    def __init__(self, pool: nn.MaxPool1d) -> None:
        super().__init__()

        def first(value: Any) -> int:
            return value[0] if isinstance(value, (tuple, list)) else value

        if first(pool.dilation) != 1 or pool.return_indices:
            raise ValueError(
                f'ONNX export: {pool} (dilation or return_indices) is not '
                'supported; use a plain MaxPool1d.')
        self.kernel_size = first(pool.kernel_size)
        self.stride = first(pool.stride or pool.kernel_size)
        self.padding = first(pool.padding)
        self.ceil_mode = pool.ceil_mode

    def forward(self, x: Tensor) -> Tensor:
        """(N, C, L) -> (N, C, L_out)."""
        out = F.max_pool2d(
            x.unsqueeze(2), (1, self.kernel_size), (1, self.stride),
            (0, self.padding), ceil_mode=self.ceil_mode)  # (N, C, 1, L_out)
        return out.squeeze(2)


def _replace_max_pool1d(module: nn.Module) -> int:
    """Swap every ``nn.MaxPool1d`` below ``module`` for
    :class:`_MaxPool1dAs2d` (in place). Returns how many were swapped."""
    count = 0
    for name, child in list(module.named_children()):
        if isinstance(child, nn.MaxPool1d):
            setattr(module, name, _MaxPool1dAs2d(child))
            count += 1
        else:
            count += _replace_max_pool1d(child)
    return count


def use_naive_attention(model: nn.Module) -> int:
    """Make every non-local block of ``model`` compute the plain attention
    formula (``attn_impl='naive'``), in place.

    Args:
        model (nn.Module): Any module.

    Returns:
        int: The number of non-local blocks found.
    """
    block_type = MODELS.get('NonLocal1d')
    count = 0
    for module in model.modules():
        if isinstance(module, block_type):
            module.attn_impl = 'naive'
            count += 1
    return count


class ExportableRecognizer(nn.Module):
    """A recognizer's test-time computation as one ``forward``:
    windows in, ``pred_score`` out (see the module docstring).

    Args:
        recognizer (nn.Module): A :class:`~nl1d.models.Recognizer1D` (or any
            mmaction recognizer with ``backbone``, optional ``neck``,
            ``cls_head`` and a data preprocessor), in eval mode. It is
            deep-copied; the copy computes the plain attention formula.

    Examples:
        >>> wrapper = ExportableRecognizer(model)
        >>> wrapper(torch.randn(2, 5, 1, 2000)).shape  # 2 records, 5 clips
        torch.Size([2, 2])
    """

    def __init__(self, recognizer: nn.Module) -> None:
        super().__init__()
        model = copy.deepcopy(recognizer).cpu().eval()
        backbone_out = getattr(model.backbone, 'out_indices', (0, ))
        if len(backbone_out) != 1:
            raise ValueError(
                f'ONNX export: the backbone returns {len(backbone_out)} '
                f'stages (out_indices={tuple(backbone_out)}); the head takes '
                'one. Set model.backbone.out_indices to one stage.')
        average = getattr(model.cls_head, 'average_clips', 'prob')
        if average not in ('prob', 'score', None):
            raise ValueError(
                f'ONNX export: cls_head.average_clips={average!r}; give '
                "'prob', 'score' or None.")
        use_naive_attention(model)
        _replace_max_pool1d(model)
        self.backbone = model.backbone
        self.neck = model.neck if getattr(model, 'with_neck', False) else None
        self.cls_head = model.cls_head
        self.average_clips = average
        preprocessor = model.data_preprocessor
        if getattr(preprocessor, '_enable_normalize', False):
            # (C, 1) each, as SignalDataPreprocessor holds them
            self.register_buffer('mean', preprocessor.mean.detach().clone())
            self.register_buffer('std', preprocessor.std.detach().clone())
        else:
            self.mean = self.std = None

    def forward(self, inputs: Tensor) -> Tensor:
        """Classify ``N`` records of ``num_clips`` windows each.

        Args:
            inputs (Tensor): (N, num_clips, C, L) float32 windows.

        Returns:
            Tensor: ``pred_score``, (N, K) (``average_clips`` 'prob' or
            'score') or (N, num_clips, K) (None).
        """
        n, num_clips = inputs.shape[0], inputs.shape[1]
        x = inputs.float()
        if self.mean is not None:
            x = (x - self.mean) / self.std  # (N, num_clips, C, L)
        x = x.flatten(0, 1)  # (N * num_clips, C, L)
        x = self.backbone(x)  # (N * num_clips, C', L')
        if self.neck is not None:
            x = self.neck(x)
            if isinstance(x, tuple):  # mmaction's (x, loss_aux)
                x = x[0]
        scores = self.cls_head(x)  # (N * num_clips, K)
        scores = scores.reshape(n, num_clips, scores.shape[-1])
        if self.average_clips == 'prob':
            return scores.softmax(dim=2).mean(dim=1)  # (N, K)
        if self.average_clips == 'score':
            return scores.mean(dim=1)  # (N, K)
        return scores  # (N, num_clips, K)


def _json(value: Any) -> str:
    return json.dumps(value, default=str)


def example_input_shape(cfg: Any,
                     length: Optional[int] = None,
                     num_clips: Optional[int] = None,
                     in_channels: Optional[int] = None) -> Tuple[int, ...]:
    """The shape of one record's windows, (1, num_clips, C, L), from the
    config's test pipeline (``SampleWindows``) and backbone, unless given.

    Args:
        cfg (Config): The model's config.
        length (int, optional): Window length L. Defaults to the test
            pipeline's ``clip_len``.
        num_clips (int, optional): Windows per record. Defaults to the test
            pipeline's ``num_clips``.
        in_channels (int, optional): Signal channels. Defaults to the
            backbone's ``in_channels``.

    Returns:
        tuple[int]: (1, num_clips, C, L).
    """
    from .inference import get_test_pipeline
    sampler: Dict = {}
    try:
        pipeline = get_test_pipeline(cfg)
    except KeyError:
        pipeline = []
    for step in pipeline:
        if step.get('type') in ('SampleWindows', 'SampleFrames'):
            sampler = step
    length = length or sampler.get('clip_len')
    if not length:
        raise ValueError(
            'ONNX export: the test pipeline sets no SampleWindows.clip_len '
            '(whole records); give the trace length with --length L.')
    num_clips = num_clips or sampler.get('num_clips', 1)
    in_channels = in_channels or cfg.model.backbone.get('in_channels', 1)
    return (1, int(num_clips), int(in_channels), int(length))


@contextlib.contextmanager
def _quiet_exporter() -> Iterator[None]:
    """Hide what torch 2.13's ONNX exporter prints on every export and no
    user can act on: "torchvision is not installed. Skipping torchvision::
    nms" (and three more operators nl1d never uses), and a FutureWarning
    about ``LeafSpec`` from torch's own pytree code."""
    logger = logging.getLogger('torch.onnx._internal.exporter._registration')
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings(
                'ignore',
                message=r'`isinstance\(treespec, LeafSpec\)` is deprecated',
                category=FutureWarning)
            yield
    finally:
        logger.setLevel(level)


def export_onnx(model: nn.Module,
                out: str,
                input_shape: Sequence[int],
                dynamic: bool = True,
                opset: int = DEFAULT_OPSET,
                metadata: Optional[Dict[str, str]] = None,
                min_length: int = 32) -> Dict[str, Any]:
    """Export a recognizer's test-time computation to ``out``.

    Args:
        model (nn.Module): The recognizer (e.g. from
            :func:`~nl1d.apis.init_recognizer`).
        out (str): The ``.onnx`` file to write (weights inside it).
        input_shape (Sequence[int]): (N, num_clips, C, L) of the example
            input the graph is traced with.
        dynamic (bool): Make N, num_clips and L dynamic (C stays fixed).
            Defaults to True. With False the graph takes only
            ``input_shape``.
        opset (int): ONNX opset. Defaults to :data:`DEFAULT_OPSET`.
        metadata (dict[str, str], optional): Written into the model's
            ``metadata_props`` (see :data:`METADATA_KEYS`). Defaults to None.
        min_length (int): Smallest L the dynamic graph accepts (the stem
            and four stages divide the length by up to 32). Defaults to 32.

    Returns:
        dict: ``input_shape``, ``output_shape`` (of the example), ``opset``,
        ``dynamic``, ``non_local_blocks`` (how many) and ``out``.
    """
    import onnx
    wrapper = ExportableRecognizer(model).eval()
    blocks = use_naive_attention(wrapper)
    example = torch.randn(*input_shape)
    with torch.no_grad():
        expected = wrapper(example)
    dynamic_shapes = None
    if dynamic:
        dim = torch.export.Dim
        dynamic_shapes = {
            'inputs': {
                0: dim('batch', min=1, max=1 << 16),
                1: dim('num_clips', min=1, max=1 << 12),
                3: dim('length', min=min_length, max=1 << 24),
            }
        }
    with _quiet_exporter():
        program = torch.onnx.export(
            wrapper, (example, ),
            dynamo=True,
            opset_version=opset,
            input_names=[INPUT_NAME],
            output_names=[OUTPUT_NAME],
            dynamic_shapes=dynamic_shapes,
            external_data=False,
            verbose=False)
        program.save(out)
    proto = onnx.load(out)
    for key, value in (metadata or {}).items():
        entry = proto.metadata_props.add()
        entry.key, entry.value = key, value
    onnx.save(proto, out)
    return dict(
        input_shape=list(input_shape),
        output_shape=list(expected.shape),
        opset=opset,
        dynamic=dynamic,
        non_local_blocks=blocks,
        out=osp.abspath(out))


def export_metadata(model: nn.Module,
                    config_path: Optional[str] = None,
                    checkpoint: Optional[str] = None,
                    opset: int = DEFAULT_OPSET) -> Dict[str, str]:
    """The metadata :mod:`nl1d.apis.onnx_inference` needs to classify a
    record as ``tools/test.py`` does, as strings.

    Args:
        model (nn.Module): A recognizer from
            :func:`~nl1d.apis.init_recognizer` (``cfg``, and
            ``dataset_meta`` / ``thresholds`` when its checkpoint has them).
        config_path (str, optional): Recorded as ``config``.
        checkpoint (str, optional): Recorded as ``checkpoint``.
        opset (int): Recorded as ``opset``.

    Returns:
        dict[str, str]: See :data:`METADATA_KEYS`.
    """
    from nl1d import __version__
    from .inference import get_sampling_rate, get_test_pipeline
    cfg = model.cfg
    classes = (getattr(model, 'dataset_meta', None) or {}).get('classes')
    return dict(
        nl1d_version=__version__,
        config=osp.basename(config_path) if config_path else '',
        checkpoint=osp.basename(checkpoint) if checkpoint else '',
        test_pipeline=_json(get_test_pipeline(cfg)),
        sampling_rate=_json(get_sampling_rate(cfg)),
        classes=_json(list(classes) if classes is not None else None),
        thresholds=_json(getattr(model, 'thresholds', None)),
        average_clips=_json(
            getattr(model.cls_head, 'average_clips', 'prob')),
        input_layout='(N records, num_clips windows, C channels, L samples)',
        opset=str(opset))


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
