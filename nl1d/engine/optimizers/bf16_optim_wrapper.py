# Copyright (c) nl1d contributors. All rights reserved.
"""Mixed precision in bfloat16, on CPUs as well as GPUs."""
import logging
from contextlib import contextmanager

import torch
from mmengine.logging import print_log
from mmengine.optim import OptimWrapper
from mmengine.runner.amp import autocast
from torch import nn

from mmaction.registry import OPTIM_WRAPPERS


@OPTIM_WRAPPERS.register_module()
class BF16OptimWrapper(OptimWrapper):
    """An :class:`mmengine.optim.OptimWrapper` that runs the forward pass
    under ``torch.autocast(dtype=torch.bfloat16)``.

    mmengine's ``AmpOptimWrapper`` refuses to start without a GPU/NPU/MLU,
    yet CPUs with AVX512-BF16 or AMX run convolutions in bfloat16 much
    faster than in float32 (the demo config's whole training step, R18 +
    non-local neck, 2000-sample windows, batch 32, two Xeon cores with AMX:
    52.4 -> 93.2 samples/s, ``tools/analysis/benchmark_dataloader.py``).
    bfloat16 has float32's exponent range, so
    no loss scaling is needed; weights, gradients and the optimizer state
    stay float32, and the non-local affinity and softmax run in float32
    (:class:`~nl1d.models.layers.NonLocal1d`).

    ``tools/train.py --amp`` selects it when CUDA is not available and the
    CPU has native bfloat16 (:func:`set_mixed_precision`); without AVX512-
    BF16 or AMX, bfloat16 is emulated and about ten times slower.

    Args:
        **kwargs: Every :class:`mmengine.optim.OptimWrapper` argument
            (``optimizer``, ``accumulative_counts``, ``clip_grad``).

    Examples:
        >>> optim_wrapper = dict(
        ...     type='BF16OptimWrapper',
        ...     optimizer=dict(type='AdamW', lr=1e-3, weight_decay=0.01))
    """

    @contextmanager
    def optim_context(self, model: nn.Module):
        """Gradient-accumulation context of the parent, plus bfloat16
        autocast on the model's device type.

        Args:
            model (nn.Module): The training model.
        """
        device_type = 'cuda' if next(
            model.parameters()).is_cuda else 'cpu'
        with super().optim_context(model), autocast(
                device_type=device_type, dtype=torch.bfloat16):
            yield


def cpu_has_native_bf16() -> bool:
    """Whether this CPU computes in bfloat16 natively (AVX512-BF16 or AMX).

    Without either, oneDNN emulates bfloat16 and autocast is far slower
    than float32: the UCR recipe's R18 training step (batch 16, 2000
    samples, 1 thread of an AMD EPYC with AVX2 only,
    ``tools/analysis/benchmark_dataloader.py [--amp]``) ran 0.6 samples/s
    in bfloat16 against 7.0 in float32.

    Returns:
        bool: True when torch reports AVX512-BF16 or AMX tiles.
    """
    checks = ('_is_avx512_bf16_supported', '_is_amx_tile_supported')
    return any(getattr(torch.cpu, name, lambda: False)() for name in checks)


def set_mixed_precision(optim_wrapper: dict) -> dict:
    """Switch an ``optim_wrapper`` config to mixed precision, as
    ``tools/train.py --amp`` does: mmengine's ``AmpOptimWrapper`` (float16,
    dynamic loss scaling) with a GPU, :class:`BF16OptimWrapper` on a CPU
    that computes in bfloat16 natively (:func:`cpu_has_native_bf16`).

    On a CPU without native bfloat16 the config stays float32, with a
    warning: there ``--amp`` would make training about ten times slower,
    the opposite of what the flag is for. A config that names
    ``BF16OptimWrapper`` itself keeps it on any CPU.

    Args:
        optim_wrapper (dict): The config's ``optim_wrapper`` (changed in
            place).

    Returns:
        dict: ``optim_wrapper``.

    Raises:
        ValueError: The config names another wrapper type, which a flag
            should not silently replace.
    """
    kind = optim_wrapper.get('type', 'OptimWrapper')
    if kind not in ('OptimWrapper', 'AmpOptimWrapper', 'BF16OptimWrapper'):
        raise ValueError(
            f'--amp: the config\'s optim_wrapper.type is {kind!r}; --amp '
            'replaces only OptimWrapper. Drop --amp or set the mixed-'
            'precision wrapper in the config.')
    if torch.cuda.is_available():
        optim_wrapper['type'] = 'AmpOptimWrapper'
        optim_wrapper.setdefault('loss_scale', 'dynamic')
    elif kind == 'BF16OptimWrapper' or cpu_has_native_bf16():
        optim_wrapper['type'] = 'BF16OptimWrapper'
    else:
        print_log(
            '--amp: this CPU has no native bfloat16 (AVX512-BF16 or AMX; '
            f'torch reports {torch.backends.cpu.get_cpu_capability()}), '
            'where bfloat16 is emulated and training runs about 10x slower '
            'than in float32; training in float32. To force bfloat16 '
            "anyway, set optim_wrapper.type='BF16OptimWrapper' (e.g. "
            '--cfg-options optim_wrapper.type=BF16OptimWrapper).',
            logger='current', level=logging.WARNING)
    return optim_wrapper
