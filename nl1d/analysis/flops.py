# Copyright (c) nl1d contributors. All rights reserved.
"""Parameters and FLOPs of a config's model for one window of ``L`` samples,
counting the non-local matmuls.

Its command line (``tools/analysis/get_flops.py``)::

    python tools/analysis/get_flops.py \\
        configs/nl1d/nl_r50_res5_8xb32_signal.py --length 2000

mmengine's :class:`~mmengine.analysis.FlopAnalyzer` traces the model and
counts convolutions, norms and plain matmuls, but not what runs inside a
custom autograd function or ``scaled_dot_product_attention`` (the long-signal
paths of ``NonLocal1d``). So each non-local block's traced count is replaced
by its 1x1 convolutions (traced) plus its attention multiply-adds, computed
from the shapes the block sees:

- the non-local formula (what mmcv executes): ``N L L_k (E + Ci)`` for all
  modes (affinity + aggregation; ``E = C`` for gaussian, else ``Ci``;
  concatenation: ``N L L_k (2 + Ci)``: two adds and a ReLU per pair are
  counted as the affinity);
- as executed by nl1d's path choice (``--executed``): ``dot_product`` in
  linear form costs ``N (L + L_k) E Ci``, ``concatenation`` sorted
  ``N (L + L_k) Ci`` plus the sort; the softmax paths execute the formula
  (the chunked path recomputes the affinity in backward, not counted here:
  these are forward FLOPs).

FLOPs follow mmengine's convention: one multiply-add counts as one FLOP.
"""
from typing import Dict, List, Optional

import torch
import torch.nn as nn
from mmengine import Config
from mmengine.analysis import FlopAnalyzer, parameter_count
from mmengine.registry import init_default_scope

from nl1d.runtime.cli import load_config


class _Features(nn.Module):
    """Recognizer -> scores for one clip, a tensor in and a tensor out."""

    def __init__(self, recognizer: nn.Module) -> None:
        super().__init__()
        self.recognizer = recognizer

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # x: (1, 1, C, L) = (N, num_clips, C, L)
        feats, kwargs = self.recognizer.extract_feat(x)  # (1, C', L')
        if getattr(self.recognizer, 'with_cls_head', False):
            return self.recognizer.cls_head(feats)  # (1, num_classes)
        return feats


def attention_macs(block: nn.Module, n: int, length: int,
                   executed: bool) -> int:
    """Multiply-adds of one non-local block's attention (see module doc)."""
    keys = length // 2 if block.sub_sample else length
    ci = block.inter_channels
    dim = block.in_channels if block.mode == 'gaussian' else ci
    formula = n * length * keys * (dim + ci)
    if block.mode == 'concatenation':
        formula = n * length * keys * (2 + ci) + n * (length + keys) * dim
    if not executed:
        return formula
    if block.mode == 'dot_product':
        return min(formula, n * (length + keys) * dim * ci)
    if block.mode == 'concatenation' and block.attn_impl != 'naive':
        sort = int(n * keys * max(1, keys.bit_length()))
        return n * (length + keys) * (dim + 2 * ci) + sort
    return formula


def analyse(cfg: Config, length: int, in_channels: int = None,
            executed: bool = False) -> Dict:
    """Parameters, traced FLOPs and per-block attention FLOPs.

    Returns:
        dict: ``params``, ``flops`` (total, attention included),
        ``traced_flops`` (mmengine's count), and ``blocks``, a list of
        ``(name, L, attention FLOPs)``.
    """
    from mmaction.registry import MODELS

    from nl1d.models.layers import NonLocal1d
    init_default_scope(cfg.get('default_scope', 'mmaction'))
    model = _Features(MODELS.build(cfg.model)).eval()
    if in_channels is None:
        in_channels = cfg.model.backbone.get('in_channels', 1)
    inputs = torch.randn(1, 1, in_channels, length)

    lengths: Dict[str, int] = {}
    hooks = []
    for name, module in model.named_modules():
        if isinstance(module, NonLocal1d):
            hooks.append(
                module.register_forward_hook(
                    lambda m, args, out, name=name: lengths.__setitem__(
                        name, args[0].shape[-1])))
    analyzer = FlopAnalyzer(model, inputs)
    analyzer.unsupported_ops_warnings(False)
    analyzer.uncalled_modules_warnings(False)
    by_module = analyzer.by_module()
    for hook in hooks:
        hook.remove()

    total = analyzer.total()
    blocks: List = []
    for name, module in model.named_modules():
        if not isinstance(module, NonLocal1d):
            continue
        if name not in lengths:
            continue
        convs = sum(by_module.get(f'{name}.{child}', 0)
                    for child, _ in module.named_children())
        attention = attention_macs(module, inputs.shape[0], lengths[name],
                                   executed)
        total += convs + attention - by_module.get(name, 0)
        blocks.append((name.replace('recognizer.', '', 1), lengths[name],
                       attention))
    return dict(
        params=parameter_count(model)[''],
        flops=total,
        traced_flops=analyzer.total(),
        blocks=blocks)


def report_flops(config: str,
                 length: int = 2000,
                 in_channels: Optional[int] = None,
                 executed: bool = False,
                 cfg_options: Optional[Dict] = None) -> Dict:
    """Print :func:`analyse` of a config's model
    (``tools/analysis/get_flops.py``).

    Args:
        config (str): The config file.
        length (int): Window length L in samples. Defaults to 2000.
        in_channels (int, optional): Signal channels. Defaults to the
            backbone's.
        executed (bool): Count the attention as nl1d executes it. Defaults
            to False (the non-local formula).
        cfg_options (dict, optional): ``--cfg-options`` overrides.

    Returns:
        dict: See :func:`analyse`.
    """
    cfg = load_config(config, cfg_options)
    result = analyse(cfg, length, in_channels, executed)
    split = '=' * 60
    print(f'{split}\nConfig: {config}\nInput: one window, '
          f'(1, {in_channels or cfg.model.backbone.get("in_channels", 1)}'
          f', {length})\nParams: {result["params"] / 1e6:.3f} M\n'
          f'FLOPs: {result["flops"] / 1e9:.4f} G (multiply-adds; '
          f'{"as executed" if executed else "non-local formula"})')
    for name, block_length, flops in result['blocks']:
        print(f'  non-local {name}: L = {block_length}, attention '
              f'{flops / 1e9:.4f} G')
    print(split)
    return result
