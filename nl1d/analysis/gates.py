# Copyright (c) nl1d contributors. All rights reserved.
"""How far each non-local block of a trained model is from the identity it
starts as.

A ``NonLocal1d`` block returns ``x + conv_out(y)``, and its output norm's
weight (gamma) starts at zero, so an untrained block is an exact identity.
After training, the mean |gamma| of that norm is the per-channel standard
deviation the block adds to its input (before the norm's bias). For scale,
the same number is printed for the norms that close the residual branches
(``bn2`` of a basic block, ``bn3`` of a bottleneck), which add their branch
to the identity path in the same way.

Its command line (``tools/analysis/nonlocal_gates.py``)::

    python tools/analysis/nonlocal_gates.py CONFIG CHECKPOINT

The checkpoint is read with nl1d's weights-only loader; nothing runs but
the model's construction.
"""
import json
from typing import Dict, Optional

import torch
import torch.nn as nn

from nl1d.apis import init_recognizer
from nl1d.models.layers import NonLocal1d
from nl1d.models.layers.res_blocks import BasicBlock1d, Bottleneck1d
from nl1d.runtime.cli import load_config


def _stats(weight: torch.Tensor) -> Dict[str, float]:
    magnitude = weight.detach().abs().float()
    return dict(mean_abs=float(magnitude.mean()),
                max_abs=float(magnitude.max()))


def nonlocal_gates(model: nn.Module) -> Dict[str, Dict]:
    """Gate statistics of a model's non-local blocks and residual branches.

    Args:
        model (nn.Module): A recognizer (or any module holding
            ``NonLocal1d`` blocks).

    Returns:
        dict: ``blocks``: per non-local block name, ``mean_abs`` and
        ``max_abs`` of its output gate's weight; ``residual``: the same
        over all residual branches' closing norm weights (None without
        residual blocks).

    Raises:
        ValueError: The model has no non-local block.
    """
    blocks = {
        name: _stats(module.gate.weight)
        for name, module in model.named_modules()
        if isinstance(module, NonLocal1d)
    }
    if not blocks:
        raise ValueError('The model has no NonLocal1d block (neck or '
                         '`non_local` stages of the backbone); its config '
                         'is not a non-local one.')
    closing = []
    for module in model.modules():
        if isinstance(module, Bottleneck1d):
            closing.append(module.bn3.weight.flatten())
        elif isinstance(module, BasicBlock1d):
            closing.append(module.bn2.weight.flatten())
    residual = _stats(torch.cat(closing)) if closing else None
    return dict(blocks=blocks, residual=residual)


def format_gates(gates: Dict[str, Dict]) -> str:
    """The statistics as a text table."""
    lines = [f'{"block":<40} {"mean |gamma|":>12} {"max |gamma|":>12}']
    for name, stats in gates['blocks'].items():
        lines.append(f'{name:<40} {stats["mean_abs"]:>12.4f} '
                     f'{stats["max_abs"]:>12.4f}')
    if gates['residual'] is not None:
        stats = gates['residual']
        lines.append(f'{"(residual branches, closing norms)":<40} '
                     f'{stats["mean_abs"]:>12.4f} {stats["max_abs"]:>12.4f}')
    return '\n'.join(lines)


def report_gates(config: str,
                 checkpoint: str,
                 out: Optional[str] = None,
                 cfg_options: Optional[Dict] = None) -> Dict[str, Dict]:
    """Print :func:`nonlocal_gates` of a trained model
    (``tools/analysis/nonlocal_gates.py``) and write them to ``out``.

    Args:
        config (str): The config file.
        checkpoint (str): The checkpoint.
        out (str, optional): Also write the numbers as json.
        cfg_options (dict, optional): ``--cfg-options`` overrides.

    Returns:
        dict[str, dict]: The gates.
    """
    cfg = load_config(config, cfg_options)
    model = init_recognizer(cfg, checkpoint, device='cpu')
    gates = nonlocal_gates(model)
    print(format_gates(gates))
    if out:
        with open(out, 'w') as f:
            json.dump(gates, f, indent=1)
    return gates
