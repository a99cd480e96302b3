# Copyright (c) nl1d contributors. All rights reserved.
"""Records per second: PyTorch eager vs ONNX Runtime, same machine, same
records, one run each.

Two measures, each over the same records, one after the other:

- model: the prepared windows of each record (1, num_clips, C, L) through
  the recognizer's ``test_step`` (PyTorch, ``torch.no_grad``) or the
  exported graph (ONNX Runtime);
- end to end: a ``.npy`` path to ``pred_score``, the test pipeline included
  (``inference_recognizer`` vs :class:`~nl1d.apis.OnnxRecognizer`).

Both use the same number of threads (``--threads``, default: PyTorch's).
The largest difference of ``pred_score`` between the two is printed too.

Example:
    python tools/deployment/benchmark_onnx.py \
        configs/nl1d/nl_r18_res5_8xb32_signal.py best.pth model.onnx \
        --inputs data/demo/signals/test --num-records 100
"""
import argparse
import glob
import json
import os
import os.path as osp
import platform
import tempfile
import time
from typing import Callable, Dict, List, Sequence

import nl1d  # noqa: F401  # stack repairs + registration, before mmaction
import numpy as np
import torch
from mmengine.dataset import pseudo_collate
from nl1d.apis import OnnxRecognizer, inference_recognizer, init_recognizer
from nl1d.apis.inference import (get_sampling_rate, get_test_pipeline,
                                 prepare_record)
from nl1d.runtime.cli import add_cfg_options, load_config


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='records/s of PyTorch eager vs ONNX Runtime')
    parser.add_argument('config', help='config file')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('onnx', help='the model exported from them')
    parser.add_argument(
        '--inputs', nargs='+', default=None,
        help='.npy records or folders of them (default: random records of '
        '--length samples)')
    parser.add_argument('--num-records', type=int, default=50,
                        help='records timed (default: 50)')
    parser.add_argument('--length', type=int, default=2048,
                        help='samples of the random records (default: 2048)')
    parser.add_argument('--warmup', type=int, default=3,
                        help='untimed records first (default: 3)')
    parser.add_argument('--threads', type=int, default=None,
                        help='threads of both runtimes (default: PyTorch\'s)')
    parser.add_argument('--out', help='write the results as JSON')
    add_cfg_options(parser, default={})
    return parser.parse_args()


def _records(args: argparse.Namespace, channels: int,
             folder: str) -> List[str]:
    if args.inputs:
        files: List[str] = []
        for item in args.inputs:
            files += sorted(glob.glob(osp.join(item, '*.npy'))) \
                if osp.isdir(item) else [item]
        if not files:
            raise FileNotFoundError(f'no .npy file in {args.inputs}.')
        return [files[i % len(files)] for i in range(args.num_records)]
    rng = np.random.default_rng(0)
    files = []
    for i in range(args.num_records):
        path = osp.join(folder, f'record_{i:04d}.npy')
        np.save(path,
                rng.normal(size=(channels, args.length)).astype(np.float32))
        files.append(path)
    return files


def _rate(run: Callable[[int], None], count: int, warmup: int) -> float:
    """Records/s of ``run(i)`` for ``i < count`` after ``warmup`` calls."""
    for i in range(min(warmup, count)):
        run(i)
    start = time.perf_counter()
    for i in range(count):
        run(i)
    return count / (time.perf_counter() - start)


def benchmark(model: torch.nn.Module, onnx_model: OnnxRecognizer,
              files: Sequence[str], warmup: int) -> Dict[str, float]:
    """Time both runtimes on ``files``; see the module docstring."""
    cfg = model.cfg
    pipeline, rate = get_test_pipeline(cfg), get_sampling_rate(cfg)
    packed = [prepare_record(pipeline, f, rate) for f in files]
    windows = [np.ascontiguousarray(p['inputs'][None].numpy(),
                                    dtype=np.float32) for p in packed]

    torch_scores: List[np.ndarray] = [None] * len(files)
    onnx_scores: List[np.ndarray] = [None] * len(files)

    def torch_model(i: int) -> None:
        with torch.no_grad():
            result = model.test_step(pseudo_collate([packed[i]]))[0]
        torch_scores[i] = result.pred_score.numpy()

    def onnx_run(i: int) -> None:
        onnx_scores[i] = onnx_model.run(windows[i])[0]

    result = dict(
        pytorch_model=_rate(torch_model, len(files), warmup),
        onnx_model=_rate(onnx_run, len(files), warmup),
        pytorch_end_to_end=_rate(
            lambda i: inference_recognizer(model, files[i]), len(files),
            warmup),
        onnx_end_to_end=_rate(lambda i: onnx_model(files[i]), len(files),
                              warmup))
    result['max_abs_diff'] = float(
        max(np.abs(a - b).max() for a, b in zip(torch_scores, onnx_scores)))
    result['input_shape'] = list(windows[0].shape)
    # whole records (SampleWindows(clip_len=None)): each its own length
    result['lengths'] = [min(w.shape[-1] for w in windows),
                         max(w.shape[-1] for w in windows)]
    return result


def main() -> None:
    args = parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    threads = torch.get_num_threads()
    cfg = load_config(args.config, args.cfg_options)
    model = init_recognizer(cfg, args.checkpoint, device='cpu')
    onnx_model = OnnxRecognizer(
        args.onnx, get_test_pipeline(cfg), get_sampling_rate(cfg),
        num_threads=threads)
    channels = cfg.model.backbone.get('in_channels', 1)
    with tempfile.TemporaryDirectory() as folder:
        files = _records(args, channels, folder)
        result = benchmark(model, onnx_model, files, args.warmup)
    import onnxruntime
    result.update(
        config=args.config,
        records=len(files),
        threads=threads,
        machine=f'{platform.processor() or platform.machine()}, '
        f'{os.cpu_count()} CPUs',
        torch=torch.__version__,
        onnxruntime=onnxruntime.__version__)
    shape = tuple(result['input_shape'])
    low, high = result['lengths']
    windows = f'windows {shape} each' if low == high else \
        f'windows (' + ', '.join(map(str, shape[:-1])) + \
        f', L) each, L {low} to {high}'
    print(f'{len(files)} records, {windows}, {threads} threads, torch '
          f'{torch.__version__}, onnxruntime {onnxruntime.__version__}')
    print(f'{"":14}{"PyTorch eager":>16}{"ONNX Runtime":>16}{"ratio":>8}')
    for name, key in (('model', 'model'), ('end to end', 'end_to_end')):
        eager, ort = result[f'pytorch_{key}'], result[f'onnx_{key}']
        print(f'{name:14}{eager:>11.1f} r/s{ort:>11.1f} r/s'
              f'{ort / eager:>7.2f}x')
    print(f'max |pred_score difference|: {result["max_abs_diff"]:.2e}')
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(result, f, indent=2)


if __name__ == '__main__':
    main()
