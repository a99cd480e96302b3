# Copyright (c) nl1d contributors. All rights reserved.
"""Classify one signal record and print the class probabilities
(:mod:`nl1d.apis.classify`).

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
    # a whole-record config (SampleWindows(clip_len=None)): a record of any
    # length, scored as tools/test.py scores it in its padded batches
    python demo/demo_signal.py \
        configs/nl1d/cinc2017/nl_r18_res5_1xb32-20e_cinc2017-rhythms-whole.py \
        CKPT data/cinc2017/signals/A00005.npy

A model file is data: the pipeline stored in it is built only from nl1d's
own transforms with literal arguments (``nl1d.apis.onnx_metadata``), and a
config given with ``--config`` always wins over it. Class names from a
checkpoint or a model are printed with control characters escaped.
"""
import argparse
import sys
from typing import Optional, Sequence

import nl1d  # registration; nl1d.setup_env() in main()
from nl1d.apis.classify import classify, classify_onnx
from nl1d.apis.onnx_metadata import MetadataError
from nl1d.runtime.cli import add_cfg_options


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


def main(argv: Optional[Sequence[str]] = None) -> None:
    nl1d.setup_env()  # data-only checkpoint loading, quiet start-up
    args = parse_args(argv)
    if not args.onnx:
        config, checkpoint, signal = args.paths
        print(classify(config, checkpoint, signal, args.device,
                       args.sampling_rate, args.cfg_options))
        return
    try:
        print(classify_onnx(args.onnx, args.paths[-1], args.config,
                            args.sampling_rate, args.cfg_options))
    except MetadataError as e:  # a refused model file: the reason, no trace
        sys.exit(f'demo_signal.py: {e}')


if __name__ == '__main__':
    main(sys.argv[1:])
