# Copyright (c) nl1d contributors. All rights reserved.
"""2D -> 1D weight deflation of ResNet checkpoints (torchvision key names).

A 1D signal ``s(w)`` is read as the image ``I(h, w) = s(w)``, constant along
the height ``h``. For such an image a 2D convolution with kernel
``W[o, i, kh, kw]`` gives, at every row whose receptive field lies inside the
image, ``sum_kw (sum_kh W[o, i, kh, kw]) s(w + kw - p)``: the 1D convolution
with kernel ``W.sum(dim=2)``. Strides and paddings along the width are kept,
so the feature maps stay aligned; batch norms are per channel and max-pooling
a map constant along ``h`` pools along ``w`` only, so both map unchanged. The
deflated network's response to ``s`` therefore equals the 2D network's
response to ``I`` at the centre row (tested numerically).

Stem (``conv1.weight``, ``(O, 3, kh, kw)`` in an RGB checkpoint):

- ``in_channels == 3``: colour channels are kept, signal channel ``c`` plays
  the role of colour ``c`` (exact for the 3-channel image).
- any other ``in_channels``: the grey kernel ``sum_rgb W`` is split evenly,
  ``W1d[:, c] = sum_rgb W / in_channels``, so a signal repeated on all
  channels gets the 2D network's response to the grey image (with
  ``in_channels == 1``: the single channel is the grey image).
"""
from collections import OrderedDict
from typing import Dict, List, Tuple

from torch import Tensor

#: Prefixes stripped from foreign keys (DataParallel, mmpretrain/mmdet
#: ``backbone.``) before matching by name.
_PREFIXES = ('module.', 'backbone.')

STEM_KEY = 'conv1.weight'


def _strip(key: str) -> str:
    for prefix in _PREFIXES:
        if key.startswith(prefix):
            key = key[len(prefix):]
    return key


def deflate_kernel(weight: Tensor) -> Tensor:
    """Collapse a 2D kernel along its height.

    Args:
        weight (Tensor): (O, I, kH, kW).

    Returns:
        Tensor: (O, I, kW), ``weight.sum(dim=2)``.
    """
    return weight.sum(dim=2)


def adapt_stem(weight: Tensor, in_channels: int) -> Tensor:
    """Adapt a deflated stem kernel to ``in_channels`` (see module doc).

    Args:
        weight (Tensor): (O, I, k), I = 3 for RGB checkpoints.
        in_channels (int): Channels of the 1D network's input.

    Returns:
        Tensor: (O, in_channels, k).
    """
    if weight.shape[1] == in_channels:
        return weight
    grey = weight.sum(dim=1, keepdim=True)  # (O, 1, k)
    return (grey / in_channels).repeat(1, in_channels, 1)


def deflate_state_dict(
    state_dict_2d: Dict[str, Tensor], state_dict_1d: Dict[str, Tensor]
) -> Tuple['OrderedDict[str, Tensor]', List[str], List[str]]:
    """Map a 2D ResNet state dict onto a 1D one, by name.

    Every key of the 1D model is looked up in the 2D checkpoint (after
    stripping ``module.``/``backbone.``); 4D kernels are deflated, the stem is
    adapted to the 1D input channels, everything else (norm weights, biases,
    running statistics) is copied. Every shape is checked.

    Args:
        state_dict_2d (dict[str, Tensor]): The 2D checkpoint's weights.
        state_dict_1d (dict[str, Tensor]): The 1D model's ``state_dict()``
            (gives names, shapes and dtypes).

    Returns:
        tuple: The deflated state dict (only keys found in the checkpoint),
        the 1D keys missing from the checkpoint (e.g. non-local blocks) and
        the checkpoint keys left unused (e.g. ``fc.*``).

    Raises:
        ValueError: If a tensor cannot be mapped to its 1D shape; the message
            names the key and both shapes.
    """
    foreign = OrderedDict((_strip(k), v) for k, v in state_dict_2d.items())
    deflated = OrderedDict()
    missing = []
    for key, target in state_dict_1d.items():
        if key not in foreign:
            missing.append(key)
            continue
        value = foreign.pop(key)
        if value.dim() == 4 and target.dim() == 3:
            value = deflate_kernel(value)
            if key == STEM_KEY:
                value = adapt_stem(value, target.shape[1])
        if value.shape != target.shape:
            raise ValueError(
                f'deflate: {key!r} has shape {tuple(value.shape)} after '
                f'deflation but the 1D model expects '
                f'{tuple(target.shape)}. Check that the checkpoint is a '
                'ResNet of the same depth and base_channels.')
        deflated[key] = value.to(target.dtype)
    return deflated, missing, list(foreign)
