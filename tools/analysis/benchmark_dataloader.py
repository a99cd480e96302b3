# Copyright (c) nl1d contributors. All rights reserved.
"""Data pipeline throughput against the training step, in samples/s.

Measures, with the batch size and dataloader settings of a config:

1. the training dataloader alone: batches drawn and collated per second
   (LoadSignal, window sampling, augmentations, packing, in the config's
   worker processes), nothing else;
2. the training step alone: ``model.train_step`` (data preprocessor,
   forward, loss, backward, optimizer step) repeated on one batch already
   in memory, so no data loading is counted.

The pipeline keeps up when (1) exceeds (2). Both run on the same machine,
one after the other. Example::

    python tools/analysis/benchmark_dataloader.py --iters 20 --amp \
        configs/nl1d/cinc2017/nl_r18_res5_1xb32-40e_cinc2017-af.py
"""
import argparse
import json
import math
import time
from typing import Dict, Iterator

import nl1d  # noqa: F401  # stack repairs + registration, before mmaction
import torch
from mmaction.registry import MODELS
from mmengine.optim import build_optim_wrapper
from mmengine.registry import init_default_scope
from mmengine.runner import Runner
from nl1d.runtime.cli import add_cfg_options, load_config


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Dataloader samples/s vs training-step samples/s.')
    parser.add_argument(
        'config', nargs='?',
        default='configs/nl1d/nl_r18_res5_8xb32_signal.py')
    parser.add_argument('--iters', type=int, default=20,
                        help='timed batches / steps')
    parser.add_argument('--warmup', type=int, default=3,
                        help='untimed batches / steps first')
    parser.add_argument('--batch-size', type=int, default=None,
                        help='override the config\'s train batch size')
    parser.add_argument('--num-workers', type=int, default=None,
                        help='override the config\'s num_workers')
    parser.add_argument('--device', default=None,
                        help='cuda when available, else cpu')
    parser.add_argument(
        '--amp', action='store_true',
        help='time the step in mixed precision, as tools/train.py --amp '
        '(bfloat16 on a CPU, float16 on a GPU)')
    parser.add_argument(
        '--compile', action='store_true',
        help='time the step with the backbone, neck and head compiled by '
        'torch.compile (the warm-up steps include the compilation)')
    parser.add_argument('--out', default=None, help='write results as JSON')
    add_cfg_options(parser)
    return parser.parse_args()


def _epochs(loader) -> Iterator:
    """The loader's batches, epoch after epoch (a small dataset runs out of
    batches before ``warmup + iters``; each new epoch reshuffles, as in
    training)."""
    if len(loader) == 0:
        raise ValueError(
            f'the training dataloader yields no batch: {len(loader.dataset)} '
            f'samples, batch size {loader.batch_size} and drop_last; lower '
            '--batch-size.')
    epoch = 0
    while True:
        sampler = getattr(loader, 'sampler', None)
        if hasattr(sampler, 'set_epoch'):
            sampler.set_epoch(epoch)
        yield from loader
        epoch += 1


def time_dataloader(loader, iters: int, warmup: int) -> Dict[str, float]:
    """Samples/s of drawing ``iters`` batches (after ``warmup``), running
    over as many epochs as that takes (``epochs`` in the result)."""
    batches = _epochs(loader)
    for _ in range(warmup):
        next(batches)
    samples = 0
    start = time.perf_counter()
    for _ in range(iters):
        batch = next(batches)
        samples += len(batch['inputs'])
    seconds = time.perf_counter() - start
    return dict(samples_per_s=samples / seconds, seconds=seconds,
                samples=samples,
                epochs=math.ceil((warmup + iters) / len(loader)))


def time_train_step(model, optim_wrapper, batch, iters: int, warmup: int,
                    device: str) -> Dict[str, float]:
    """Samples/s of ``model.train_step`` on one in-memory batch."""

    def sync():
        if device.startswith('cuda'):
            torch.cuda.synchronize()

    model.train()
    for _ in range(warmup):
        model.train_step(batch, optim_wrapper)
    sync()
    start = time.perf_counter()
    for _ in range(iters):
        model.train_step(batch, optim_wrapper)
    sync()
    seconds = time.perf_counter() - start
    samples = iters * len(batch['inputs'])
    return dict(samples_per_s=samples / seconds, seconds=seconds,
                samples=samples)


def main() -> None:
    args = parse_args()
    cfg = load_config(args.config, args.cfg_options)
    init_default_scope(cfg.get('default_scope', 'mmaction'))
    loader_cfg = cfg.train_dataloader
    if args.batch_size is not None:
        loader_cfg.batch_size = args.batch_size
    if args.num_workers is not None:
        loader_cfg.num_workers = args.num_workers
        loader_cfg.persistent_workers = args.num_workers > 0
    device = args.device or ('cuda' if torch.cuda.is_available() else 'cpu')

    loader = Runner.build_dataloader(loader_cfg, seed=0)
    data = time_dataloader(loader, args.iters, args.warmup)

    model = MODELS.build(cfg.model).to(device)
    model.init_weights()
    if args.amp:
        from nl1d.engine.optimizers import set_mixed_precision
        set_mixed_precision(cfg.optim_wrapper)
    optim_wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    batch = next(iter(loader))
    if args.compile:
        # The network's modules, not train_step as the Runner's
        # compile=True does: dynamo cannot trace mmengine's data samples
        # (their metainfo is deep-copied with numpy arrays in it).
        for name in ('backbone', 'neck', 'cls_head'):
            if getattr(model, name, None) is not None:
                getattr(model, name).compile()
    step = time_train_step(model, optim_wrapper, batch, args.iters,
                           args.warmup, device)

    result = dict(
        config=args.config,
        device=device,
        optim_wrapper=cfg.optim_wrapper.get('type', 'OptimWrapper'),
        compiled=args.compile,
        torch_threads=torch.get_num_threads(),
        batch_size=loader_cfg.batch_size,
        num_workers=loader_cfg.num_workers,
        input_shape=list(batch['inputs'][0].shape),
        dataloader=data,
        train_step=step,
        ratio=data['samples_per_s'] / step['samples_per_s'])
    print(f'{args.config} on {device} ({torch.get_num_threads()} threads, '
          f'{result["optim_wrapper"]}'
          + (', torch.compile' if args.compile else '') + '), '
          f'batch {loader_cfg.batch_size}, {loader_cfg.num_workers} workers, '
          f'inputs {tuple(batch["inputs"][0].shape)} per sample')
    print(f'dataloader alone: {data["samples_per_s"]:10.1f} samples/s'
          + (f' (over {data["epochs"]} epochs of {len(loader)} batches)'
             if data['epochs'] > 1 else ''))
    print(f'training step:    {step["samples_per_s"]:10.1f} samples/s')
    print(f'the pipeline delivers {result["ratio"]:.1f}x what training '
          'consumes')
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(result, f, indent=2)


if __name__ == '__main__':
    main()
