# Copyright (c) nl1d contributors. All rights reserved.
"""Classify one signal record and print the class probabilities.

The record is classified as ``tools/test.py`` classifies it: the test
dataset's pipeline cuts its windows, the scores are averaged over them.

Examples:
    # PyTorch: a config and a checkpoint
    python demo/demo_signal.py configs/nl1d/nl_r50_res5_8xb32_signal.py \
        work_dirs/nl_r50_res5_8xb32_signal/best_auc_auroc_epoch_10.pth \
        data/demo/signals/test_0000.npy
    # ONNX Runtime: a model from tools/deployment/export_onnx.py (its test
    # pipeline, classes and thresholds travel in the model)
    python demo/demo_signal.py --onnx model.onnx \
        data/demo/signals/test_0000.npy
    # ... with the windows cut by your config's test pipeline instead
    python demo/demo_signal.py --onnx model.onnx --config CONFIG \
        data/demo/signals/test_0000.npy

A model file is data: the pipeline stored in it is built only from nl1d's
own transforms with literal arguments (``nl1d.apis.onnx_metadata``), and a
config given with ``--config`` always wins over it. Class names from a
checkpoint or a model are printed with control characters escaped.
"""
import argparse
import sys
from typing import Dict, Optional, Sequence

import nl1d  # registration; nl1d.setup_env() in main()
from nl1d.datasets.class_names import escape_control_chars
from nl1d.utils import add_cfg_options, load_config


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='nl1d demo: class probabilities of one .npy record',
        usage='%(prog)s CONFIG CHECKPOINT SIGNAL [options]\n'
        '       %(prog)s --onnx MODEL.onnx [--config CONFIG] SIGNAL '
        '[options]')
    parser.add_argument(
        'paths', nargs='+', metavar='PATH',
        help='CONFIG CHECKPOINT SIGNAL; with --onnx: SIGNAL, or CONFIG '
        'SIGNAL (as --config CONFIG). SIGNAL is a .npy file of shape '
        '(channels, samples)')
    parser.add_argument(
        '--onnx', metavar='MODEL',
        help='run an exported model (tools/deployment/export_onnx.py) in '
        'ONNX Runtime instead of PyTorch')
    parser.add_argument(
        '--config', metavar='CONFIG',
        help='with --onnx: cut the windows with this config\'s test '
        'pipeline (and sampling rate) instead of the ones stored in the '
        'model; the stored pipeline is then not read')
    parser.add_argument('--device', default='cpu',
                        help='e.g. cpu, cuda:0 (PyTorch only)')
    parser.add_argument('--sampling-rate', type=float, default=None,
                        help='Hz; defaults to the test dataset\'s')
    add_cfg_options(parser, default={})
    args = parser.parse_args(argv)
    if args.config and not args.onnx:
        parser.error('--config goes with --onnx; without it give CONFIG '
                     'CHECKPOINT SIGNAL.')
    wanted = ((1, ) if args.config else (1, 2)) if args.onnx else (3, )
    if len(args.paths) not in wanted:
        parser.error('give CONFIG CHECKPOINT SIGNAL, or --onnx MODEL.onnx '
                     f'[--config CONFIG] SIGNAL (got {len(args.paths)} '
                     'paths).')
    if args.onnx and len(args.paths) == 2:
        args.config = args.paths[0]
    return args


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


def run_pytorch(args: argparse.Namespace) -> str:
    """Classify with the recognizer in PyTorch."""
    from nl1d.apis import inference_recognizer, init_recognizer
    config, checkpoint, signal = args.paths
    cfg = load_config(config, args.cfg_options)
    model = init_recognizer(cfg, checkpoint, device=args.device)
    result = inference_recognizer(
        model, signal, sampling_rate=args.sampling_rate)
    classes = (getattr(model, 'dataset_meta', None) or {}).get('classes')
    return format_probabilities(result.pred_score.cpu().tolist(), classes,
                                getattr(model, 'thresholds', None))


def run_onnx(args: argparse.Namespace) -> str:
    """Classify with the exported model in ONNX Runtime; PyTorch only cuts
    the windows (nl1d's test pipeline)."""
    from nl1d.apis.onnx_inference import OnnxRecognizer
    pipeline = sampling_rate = None
    if args.config:
        # the user's config wins: the stored pipeline is not even decoded
        from nl1d.apis.inference import get_sampling_rate, get_test_pipeline
        cfg = load_config(args.config, args.cfg_options)
        pipeline, sampling_rate = get_test_pipeline(cfg), \
            get_sampling_rate(cfg)
    if args.sampling_rate is not None:
        sampling_rate = args.sampling_rate
    model = OnnxRecognizer(args.onnx, pipeline, sampling_rate)
    probs = model(args.paths[-1])
    return format_probabilities(probs.tolist(), model.classes,
                                model.thresholds)


def main(argv: Optional[Sequence[str]] = None) -> None:
    nl1d.setup_env()  # data-only checkpoint loading, quiet start-up
    args = parse_args(argv)
    if not args.onnx:
        print(run_pytorch(args))
        return
    from nl1d.apis.onnx_metadata import MetadataError
    try:
        print(run_onnx(args))
    except MetadataError as e:  # a refused model file: the reason, no trace
        sys.exit(f'demo_signal.py: {e}')


if __name__ == '__main__':
    main(sys.argv[1:])
