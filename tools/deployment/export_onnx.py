# Copyright (c) nl1d contributors. All rights reserved.
"""Export a trained recognizer to ONNX (mmaction2's
``tools/deployment/export_onnx_model.py`` for signals) and check the
exported model against PyTorch in ONNX Runtime.

The graph holds the whole test-time model: data preprocessor
normalisation, backbone with its non-local blocks (plain attention formula),
neck, head, softmax and the head's clip averaging. Input ``inputs``
(N records, num_clips windows, C channels, L samples) float32; output
``pred_score`` (N, K), what ``tools/test.py --dump`` writes per record.
The windows are cut by the config's test pipeline, stored in the model's
metadata for ``demo/demo_signal.py --onnx`` and
:class:`nl1d.apis.OnnxRecognizer`, which build it only from nl1d's own
transforms with literal arguments (``nl1d.apis.onnx_metadata``; a pipeline
with other transforms exports with a warning and then runs with
``--config``). Opset 18.

Examples:
    python tools/deployment/export_onnx.py \
        configs/nl1d/nl_r18_res5_8xb32_signal.py \
        work_dirs/nl_r18/best_auc_auroc_epoch_8.pth --out model.onnx
    # a fixed input shape, (1, 5, 1, 2000):
    python tools/deployment/export_onnx.py CONFIG CKPT --out model.onnx \
        --static
    # whole records (test pipeline SampleWindows(clip_len=None)): no
    # --length needed, traced at 2048 samples, takes one record of any
    # length per call
    python tools/deployment/export_onnx.py \
        configs/nl1d/cinc2017/nl_r18_res5_1xb32-20e_cinc2017-rhythms-whole.py \
        CKPT --out model.onnx
"""
import argparse
import os
import os.path as osp
import sys

import nl1d  # noqa: F401  # stack repairs + registration, before mmaction
from nl1d.apis import init_recognizer
from nl1d.apis.onnx_export import (DEFAULT_OPSET, DEFAULT_TRACE_LENGTH,
                                   INPUT_NAME, OUTPUT_NAME,
                                   example_input_shape, export_metadata,
                                   export_onnx, window_clip_len)
from nl1d.apis.onnx_verify import verify_onnx
from nl1d.datasets.class_names import escape_control_chars
from nl1d.runtime.cli import add_cfg_options, load_config

#: Largest ONNX Runtime - PyTorch difference accepted by the check.
TOLERANCE = 1e-4
#: Record lengths checked for a whole-record model (not multiples of the
#: backbone's stride, as real records are not), besides the trace length.
WHOLE_RECORD_LENGTHS = (905, 3000, 6100)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Export a recognizer to ONNX and check it against '
        'PyTorch in ONNX Runtime.')
    parser.add_argument('config', help='config file')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--out', default='model.onnx',
                        help='the .onnx file to write (default: model.onnx)')
    parser.add_argument(
        '--length', type=int, default=None,
        help='window length L of the traced example (default: the test '
        'pipeline\'s clip_len; for whole records, clip_len=None, '
        f'{DEFAULT_TRACE_LENGTH}); with --static the only length accepted')
    parser.add_argument(
        '--num-clips', type=int, default=None,
        help='windows per record of the traced example (default: the test '
        'pipeline\'s num_clips)')
    shape = parser.add_mutually_exclusive_group()
    shape.add_argument(
        '--dynamic', dest='dynamic', action='store_true', default=True,
        help='dynamic batch N, num_clips and length L (the default)')
    shape.add_argument(
        '--static', dest='dynamic', action='store_false',
        help='fix the input shape to (1, num_clips, C, --length)')
    parser.add_argument('--opset', type=int, default=DEFAULT_OPSET,
                        help=f'ONNX opset (default: {DEFAULT_OPSET})')
    parser.add_argument(
        '--verify-lengths', type=int, nargs='+', default=None,
        help='lengths L at which ONNX Runtime is compared with PyTorch '
        '(default: 1000 2000 5000 and --length when dynamic, --length when '
        'static; for whole records 905 3000 6100 and the trace length, one '
        'record per input)')
    parser.add_argument('--no-verify', action='store_true',
                        help='skip the comparison with PyTorch')
    add_cfg_options(parser, default={})
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    cfg = load_config(args.config, args.cfg_options)
    whole = window_clip_len(cfg) is None  # SampleWindows(clip_len=None)
    if whole and not args.dynamic and not args.length:
        sys.exit('--static: the test pipeline takes whole records '
                 '(SampleWindows(clip_len=None)), of any length; a static '
                 'graph takes one length only. Drop --static (the dynamic '
                 'graph takes any length), or give --length L to take '
                 'records of exactly L samples.')
    model = init_recognizer(cfg, args.checkpoint, device='cpu')
    shape = example_input_shape(cfg, args.length, args.num_clips)
    out_dir = osp.dirname(osp.abspath(args.out))
    os.makedirs(out_dir, exist_ok=True)

    info = export_onnx(
        model,
        args.out,
        shape,
        dynamic=args.dynamic,
        opset=args.opset,
        metadata=export_metadata(model, args.config, args.checkpoint,
                                 args.opset))
    size_mb = osp.getsize(args.out) / 2**20
    num_clips, channels, length = shape[1:]
    average = getattr(model.cls_head, 'average_clips', 'prob')
    classes = (getattr(model, 'dataset_meta', None) or {}).get('classes')
    print(f'{args.config} + {args.checkpoint}\n'
          f'  -> {args.out} ({size_mb:.1f} MB, opset {args.opset})')
    if args.dynamic and whole:
        how = '--length' if args.length else \
            'the whole-record default; --length to change'
        print(f'  input  {INPUT_NAME}: (1, {num_clips}, {channels}, L) '
              'float32, one whole record of any length L >= 32 per call '
              '(test pipeline SampleWindows(clip_len=None); the graph holds '
              'no padding mask: records of different lengths go one per '
              f'call)\n  traced with {tuple(shape)}: L = {length} samples '
              f'({how})')
    elif args.dynamic:
        print(f'  input  {INPUT_NAME}: (N, num_clips, {channels}, L) '
              'float32, N, num_clips and L >= 32 dynamic '
              f'(traced with {tuple(shape)})')
    else:
        print(f'  input  {INPUT_NAME}: {tuple(shape)} float32 (static)')
    rows = '1' if whole and args.dynamic else 'N'
    output = f'({rows}, num_clips, K) raw scores' if average is None else \
        f'({rows}, {info["output_shape"][-1]})'
    how = {'prob': 'softmax, averaged over the clips',
           'score': 'raw scores averaged over the clips',
           None: 'per clip, not averaged'}[average]
    print(f'  output {OUTPUT_NAME}: {output}, {how} '
          f'(average_clips={average!r})'
          + (', classes ' + ', '.join(escape_control_chars(c)
                                      for c in classes) if classes else ''))
    print(f'  {info["non_local_blocks"]} non-local block(s), plain attention '
          'formula; test pipeline, thresholds and classes in the metadata')

    if args.no_verify:
        return
    checked = WHOLE_RECORD_LENGTHS if whole else (1000, 2000, 5000)
    lengths = args.verify_lengths or (
        sorted({*checked, length}) if args.dynamic else [length])
    if not args.dynamic and any(L != length for L in lengths):
        sys.exit(f'--static: the model takes L = {length} only; drop '
                 '--verify-lengths or export with --dynamic.')
    # whole records: one record per input, as the graph is used
    batch = 1 if whole or not args.dynamic else 2
    shapes = [(batch, num_clips, channels, L) for L in lengths]
    report = verify_onnx(model, args.out, shapes)
    worst = max(r['max_abs_diff'] for r in report)
    print('  ONNX Runtime vs PyTorch (random windows, max |difference| of '
          f'{OUTPUT_NAME}):')
    for r in report:
        print(f'    input {tuple(r["shape"])}: {r["max_abs_diff"]:.2e}')
    if not worst <= TOLERANCE:
        sys.exit(f'ONNX Runtime differs from PyTorch by {worst:.2e} > '
                 f'{TOLERANCE:g}: do not use {args.out}.')
    print(f'  all within {TOLERANCE:g}: OK')


if __name__ == '__main__':
    main()
