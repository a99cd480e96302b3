# Copyright (c) nl1d contributors. All rights reserved.
"""Valid lengths of right-padded batches, and the layers' masked forms.

A batch of records of different lengths is right-padded to the longest one
(:func:`nl1d.datasets.pad_collate`); each record's *valid length* travels
with the batch as a ``(N,)`` int64 Tensor ``lengths``. Every layer then
keeps the padded positions at exactly zero, so a convolution reads the same
zeros there as its own zero padding would give the record alone; batch
norm statistics come from valid positions only; pooling and non-local
attention see valid positions only. A record's output is then the same
whether it is run alone or padded in a batch.

``lengths=None`` everywhere means "no padding": the layers run unchanged.
"""
from typing import Optional

import torch
import torch.nn as nn
from mmengine.utils.dl_utils.parrots_wrapper import _BatchNorm
from torch import Tensor


def lengths_to_mask(lengths: Tensor, max_len: int) -> Tensor:
    """Boolean mask of valid positions.

    Args:
        lengths (Tensor): (N,) valid lengths.
        max_len (int): Padded length L.

    Returns:
        Tensor: (N, 1, L) bool, True where the position is valid.
    """
    positions = torch.arange(max_len, device=lengths.device)
    return (positions[None, :] < lengths[:, None])[:, None]  # (N, 1, L)


def conv_out_lengths(lengths: Tensor, kernel_size: int, stride: int = 1,
                     padding: int = 0, dilation: int = 1) -> Tensor:
    """Output length of a convolution or pooling, torch's formula
    ``floor((L + 2 p - d (k - 1) - 1) / s) + 1``.

    Args:
        lengths (Tensor): (N,) input lengths.
        kernel_size (int): Kernel width k.
        stride (int): Stride s. Defaults to 1.
        padding (int): Zero padding p on each side. Defaults to 0.
        dilation (int): Dilation d. Defaults to 1.

    Returns:
        Tensor: (N,) output lengths.
    """
    span = dilation * (kernel_size - 1) + 1
    return torch.div(
        lengths + 2 * padding - span, stride, rounding_mode='floor') + 1


def _first(value) -> int:
    return value[0] if isinstance(value, (tuple, list)) else value


def module_out_lengths(module: nn.Module, lengths: Tensor) -> Tensor:
    """Output lengths of a ``Conv1d``/``MaxPool1d``/``AvgPool1d`` (or an
    ``nn.Sequential`` of them and shape-keeping layers).

    Args:
        module (nn.Module): The layer.
        lengths (Tensor): (N,) input lengths.

    Returns:
        Tensor: (N,) output lengths.
    """
    if isinstance(module, nn.Sequential):
        for layer in module:
            lengths = module_out_lengths(layer, lengths)
        return lengths
    if isinstance(module, (nn.Conv1d, nn.MaxPool1d, nn.AvgPool1d)):
        if getattr(module, 'ceil_mode', False):
            raise ValueError(
                f'{type(module).__name__}(ceil_mode=True) is not supported '
                'with padded batches; use ceil_mode=False.')
        return conv_out_lengths(lengths, _first(module.kernel_size),
                                _first(module.stride),
                                _first(module.padding),
                                _first(getattr(module, 'dilation', 1)))
    return lengths  # norms, activations, identity keep the length


def mask_padding(x: Tensor, mask: Optional[Tensor]) -> Tensor:
    """Zero the padded positions.

    Args:
        x (Tensor): (N, C, L).
        mask (Tensor, optional): (N, 1, L) bool; None leaves ``x`` alone.

    Returns:
        Tensor: (N, C, L).
    """
    return x if mask is None else x.masked_fill(~mask, 0)


def masked_norm(norm: nn.Module, x: Tensor, mask: Optional[Tensor]) -> Tensor:
    """Apply ``norm`` to the valid positions only; padded ones come out 0.

    A batch norm that computes batch statistics (training, or no running
    statistics) normalises the valid positions gathered as one sequence
    ``(1, C, sum of lengths)`` with the module itself, so its statistics,
    running averages (and SyncBN's reduction) count valid positions only;
    padding does not change them. Other norms, and batch norm with running
    statistics, act per position: they run on the padded batch.

    Args:
        norm (nn.Module): The norm layer.
        x (Tensor): (N, C, L).
        mask (Tensor, optional): (N, 1, L) bool; None runs ``norm(x)``.

    Returns:
        Tensor: (N, C, L).
    """
    if mask is None:
        return norm(x)
    batch_stats = isinstance(norm, _BatchNorm) and (
        norm.training or not norm.track_running_stats)
    if not batch_stats or bool(mask.all()):
        return mask_padding(norm(x), mask)
    valid = mask[:, 0]  # (N, L)
    packed = x.transpose(1, 2)[valid]  # (T, C), T = sum of lengths
    packed = norm(packed.t()[None])[0].t()  # (T, C)
    # (N, L, C) in the norm's output dtype (float32 under autocast)
    out = packed.new_zeros(x.shape[0], x.shape[2], x.shape[1])
    out[valid] = packed
    return out.transpose(1, 2)  # (N, C, L)


def masked_avg_pool(x: Tensor, lengths: Optional[Tensor]) -> Tensor:
    """Mean over the valid positions.

    Args:
        x (Tensor): (N, C, L).
        lengths (Tensor, optional): (N,) valid lengths; None averages all.

    Returns:
        Tensor: (N, C).
    """
    if lengths is None:
        return x.mean(dim=-1)
    mask = lengths_to_mask(lengths, x.shape[-1])  # (N, 1, L)
    total = (x * mask).sum(dim=-1)  # (N, C)
    return total / lengths[:, None].to(x.dtype)


def masked_max_pool(x: Tensor, lengths: Optional[Tensor]) -> Tensor:
    """Maximum over the valid positions.

    Args:
        x (Tensor): (N, C, L).
        lengths (Tensor, optional): (N,) valid lengths; None: all positions.

    Returns:
        Tensor: (N, C).
    """
    if lengths is not None:
        mask = lengths_to_mask(lengths, x.shape[-1])  # (N, 1, L)
        x = x.masked_fill(~mask, float('-inf'))
    return x.amax(dim=-1)


def check_lengths(lengths: Tensor, x: Tensor, where: str) -> None:
    """Refuse lengths that cannot describe ``x``.

    Args:
        lengths (Tensor): (N,) valid lengths.
        x (Tensor): (N, C, L).
        where (str): Name of the caller, for the message.
    """
    if lengths.dim() != 1 or lengths.shape[0] != x.shape[0]:
        raise ValueError(
            f'{where}: lengths must have shape ({x.shape[0]},), one valid '
            f'length per input, got {tuple(lengths.shape)}.')
    if lengths.numel() and (int(lengths.min()) < 1
                            or int(lengths.max()) > x.shape[-1]):
        raise ValueError(
            f'{where}: valid lengths must lie in [1, {x.shape[-1]}] (the '
            f'padded length), got {lengths.tolist()}. Each data sample\'s '
            '`valid_length` is its own length before padding '
            "(collate_fn=dict(type='pad_collate') records it).")
