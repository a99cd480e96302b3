# Copyright (c) nl1d contributors. All rights reserved.
"""Export a recognizer to ONNX: the whole test-time model in one graph.

The graph is the ``forward`` of
:class:`~nl1d.apis.exportable_recognizer.ExportableRecognizer`: the windows
of ``N`` records in, ``pred_score`` out, as ``tools/test.py`` computes it
(that module says what the graph holds and what makes it exportable with
dynamic batch, clips and length).

The window sampling (``SampleWindows``) stays outside: it is data
preparation, done by the test pipeline, which :mod:`nl1d.apis.onnx_inference`
runs before ONNX Runtime. The pipeline, class names, thresholds and the
averaging are stored in the model's metadata (:data:`METADATA_KEYS`), as
literals that :mod:`nl1d.apis.onnx_metadata` checks before anything is built
from them (at export too: :func:`export_metadata` refuses what inference
would refuse, and warns when the pipeline can only be run from the config).
:mod:`nl1d.apis.onnx_verify` checks an exported model against PyTorch.

Whole records (a test pipeline with ``SampleWindows(clip_len=None)``):
the dynamic graph takes a record of any length, traced at
:data:`DEFAULT_TRACE_LENGTH` samples unless a length is given. It holds no
padding mask, so it takes one record per call (or several of one length):
a padded batch would count the padding as signal. One record per call
gives the record's ``pred_score`` alone, which is the score
``tools/test.py`` gives it in a padded batch (the PyTorch model masks the
padding).
"""
import contextlib
import json
import logging
import os.path as osp
import warnings
from typing import Any, Dict, Iterator, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn

from .exportable_recognizer import ExportableRecognizer, use_naive_attention
from .onnx_metadata import (MAX_LENGTH, MAX_NUM_CLIPS, MetadataError,
                            check_pipeline, decode_json, parse_metadata)

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


#: ``input_layout`` metadata: fixed-length windows, and windows of each
#: record's own length (whole records, fractions of records), which the
#: graph takes one record per call (it holds no padding mask).
WINDOW_LAYOUT = '(N records, num_clips windows, C channels, L samples)'
RECORD_LENGTH_LAYOUT = ('(1 record, num_clips windows, C channels, L samples '
                        'of the record\'s own length): one record per call, '
                        'unpadded')


def _json(value: Any) -> str:
    return json.dumps(value, default=str)


#: Trace length, in samples, of a whole-record model
#: (``SampleWindows(clip_len=None)``) when no length is given: a multiple of
#: the backbone's total stride (32), long enough for every stage and
#: non-local block to see several positions. The dynamic graph takes any
#: length from ``min_length`` to :data:`MAX_LENGTH` whatever the trace
#: length.
DEFAULT_TRACE_LENGTH = 2048


def window_clip_len(cfg: Any) -> Union[int, float, None]:
    """``clip_len`` of the config's test window sampler (``SampleWindows``
    or ``SampleFrames``): an int (fixed windows), a float (a fraction of
    each record) or None (whole records, or no sampler).

    Args:
        cfg (Config): The model's config.

    Returns:
        int | float | None: The value.
    """
    return _test_sampler(cfg).get('clip_len')


def _test_sampler(cfg: Any) -> Dict:
    """The test pipeline's window sampler config, ``{}`` without one."""
    from .inference import get_test_pipeline
    try:
        pipeline = get_test_pipeline(cfg)
    except KeyError:
        pipeline = []
    sampler: Dict = {}
    for step in pipeline:
        if step.get('type') in ('SampleWindows', 'SampleFrames'):
            sampler = step
    return sampler


def example_input_shape(cfg: Any,
                        length: Optional[int] = None,
                        num_clips: Optional[int] = None,
                        in_channels: Optional[int] = None
                        ) -> Tuple[int, ...]:
    """The shape of one record's windows, (1, num_clips, C, L), from the
    config's test pipeline (``SampleWindows``) and backbone, unless given.

    Args:
        cfg (Config): The model's config.
        length (int, optional): Window length L. Defaults to the test
            pipeline's ``clip_len``; for whole records (``clip_len=None``)
            :data:`DEFAULT_TRACE_LENGTH`, since the dynamic graph takes any
            length. A fractional ``clip_len`` needs it given.
        num_clips (int, optional): Windows per record. Defaults to the test
            pipeline's ``num_clips``.
        in_channels (int, optional): Signal channels. Defaults to the
            backbone's ``in_channels``.

    Returns:
        tuple[int]: (1, num_clips, C, L).
    """
    sampler = _test_sampler(cfg)
    clip_len = sampler.get('clip_len')
    if not length and isinstance(clip_len, float):
        raise ValueError(
            f'ONNX export: the test pipeline\'s SampleWindows.clip_len='
            f'{clip_len} is a fraction of each record, not a length; give the '
            'trace length in samples with --length L.')
    length = length or clip_len or DEFAULT_TRACE_LENGTH
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
                1: dim('num_clips', min=1, max=MAX_NUM_CLIPS),
                3: dim('length', min=min_length, max=MAX_LENGTH),
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

    Raises:
        ValueError: A value inference would refuse (class names longer than
            :data:`~nl1d.apis.onnx_metadata.MAX_CLASS_NAME_CHARS`, a
            threshold that is not a finite number, ...). A test pipeline
            that holds other transforms than nl1d's own, or other arguments
            than literals, only warns: the model then runs with the config
            given at inference (``--config``).
    """
    from nl1d import __version__
    from .inference import get_sampling_rate, get_test_pipeline
    cfg = model.cfg
    classes = (getattr(model, 'dataset_meta', None) or {}).get('classes')
    metadata = dict(
        nl1d_version=__version__,
        config=osp.basename(config_path) if config_path else '',
        checkpoint=osp.basename(checkpoint) if checkpoint else '',
        test_pipeline=_json(get_test_pipeline(cfg)),
        sampling_rate=_json(get_sampling_rate(cfg)),
        classes=_json(list(classes) if classes is not None else None),
        thresholds=_json(getattr(model, 'thresholds', None)),
        average_clips=_json(
            getattr(model.cls_head, 'average_clips', 'prob')),
        input_layout=(WINDOW_LAYOUT if isinstance(window_clip_len(cfg), int)
                      else RECORD_LENGTH_LAYOUT),
        opset=str(opset))
    # refuse now what ONNX inference would refuse
    source = f'ONNX export of {checkpoint or config_path or "the model"}'
    try:
        parse_metadata(metadata, source, with_pipeline=False)
    except MetadataError as e:
        raise ValueError(
            f'{e.reason} Fix that value in the checkpoint (or the config) '
            'and export again.') from None
    try:
        field = f"{source}: metadata 'test_pipeline'"
        check_pipeline(decode_json(metadata['test_pipeline'], field), source)
    except MetadataError as e:
        warnings.warn(
            f'{e.reason} The model is exported, but ONNX inference will '
            'refuse its stored pipeline: run it with your config, '
            '`demo/demo_signal.py --onnx MODEL.onnx --config CONFIG SIGNAL` '
            'or `OnnxRecognizer(MODEL, config=CONFIG)`.')
    return metadata
