# Copyright (c) nl1d contributors. All rights reserved.
"""Mixed precision in bfloat16, on CPUs as well as GPUs."""
from contextlib import contextmanager

import torch
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

    ``tools/train.py --amp`` selects it when CUDA is not available.

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


def set_mixed_precision(optim_wrapper: dict) -> dict:
    """Switch an ``optim_wrapper`` config to mixed precision, as
    ``tools/train.py --amp`` does: mmengine's ``AmpOptimWrapper`` (float16,
    dynamic loss scaling) with a GPU, :class:`BF16OptimWrapper` without.

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
    else:
        optim_wrapper['type'] = 'BF16OptimWrapper'
    return optim_wrapper
