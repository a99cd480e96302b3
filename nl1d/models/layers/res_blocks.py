# Copyright (c) nl1d contributors. All rights reserved.
"""The residual blocks of :class:`~nl1d.models.backbones.ResNet1d`,
torchvision's ``BasicBlock`` and ``Bottleneck`` in 1D (attribute names
unchanged, so 2D checkpoints deflate by name), each optionally followed by a
:class:`~nl1d.models.layers.NonLocal1d` as in mmaction2's ``ResNet3d``."""
from typing import Dict, Optional

import torch.nn as nn
from mmcv.cnn import (build_activation_layer, build_conv_layer,
                      build_norm_layer)
from mmengine.model import BaseModule
from torch import Tensor

from .masking import lengths_to_mask, masked_norm, module_out_lengths
from .non_local import NonLocal1d


def conv1d(conv_cfg: Dict,
           in_planes: int,
           out_planes: int,
           kernel_size: int,
           stride: int = 1) -> nn.Module:
    """Bias-free conv with 'same'-style padding, as torchvision's helpers."""
    return build_conv_layer(
        conv_cfg,
        in_planes,
        out_planes,
        kernel_size=kernel_size,
        stride=stride,
        padding=kernel_size // 2,
        bias=False)


def norm1d(norm_cfg: Dict, planes: int) -> nn.Module:
    """The norm layer ``norm_cfg`` builds for ``planes`` channels."""
    return build_norm_layer(norm_cfg, planes)[1]


class _ResBlock1d(BaseModule):
    """The constructor both residual blocks share.

    It builds the block's own layers (:meth:`_build_branch`, ``conv*`` and
    ``bn*``), then the activation ``relu``, the identity's projection
    ``downsample`` and, with ``non_local``, a trailing ``non_local_block``
    applied after the output activation (as mmaction2's ``ResNet3d``).

    Args:
        inplanes (int): Input channels.
        planes (int): Width of the residual branch; the block outputs
            ``planes * expansion`` channels.
        stride (int): Stride of the block (of its 3-tap convolution).
            Defaults to 1.
        downsample (nn.Module, optional): Projection of the identity.
            Defaults to None.
        non_local (bool): Append a :class:`~nl1d.models.layers.NonLocal1d`.
            Defaults to False.
        non_local_cfg (dict, optional): Arguments of that block but
            ``in_channels``. Defaults to None (its defaults).
        conv_cfg (dict, optional): Defaults to None, meaning
            ``dict(type='Conv1d')``.
        norm_cfg (dict, optional): Defaults to None, meaning
            ``dict(type='BN1d')``.
        act_cfg (dict, optional): Defaults to None, meaning
            ``dict(type='ReLU', inplace=True)``.
    """
    expansion = 1

    def __init__(self,
                 inplanes: int,
                 planes: int,
                 stride: int = 1,
                 downsample: Optional[nn.Module] = None,
                 non_local: bool = False,
                 non_local_cfg: Optional[Dict] = None,
                 conv_cfg: Optional[Dict] = None,
                 norm_cfg: Optional[Dict] = None,
                 act_cfg: Optional[Dict] = None) -> None:
        super().__init__()
        if conv_cfg is None:
            conv_cfg = dict(type='Conv1d')
        if norm_cfg is None:
            norm_cfg = dict(type='BN1d')
        if act_cfg is None:
            act_cfg = dict(type='ReLU', inplace=True)
        self._build_branch(inplanes, planes, stride, conv_cfg, norm_cfg)
        self.relu = build_activation_layer(act_cfg)
        self.downsample = downsample
        self.stride = stride
        self.non_local_block = NonLocal1d(
            planes * self.expansion, **(non_local_cfg or {})) \
            if non_local else None

    def _build_branch(self, inplanes: int, planes: int, stride: int,
                      conv_cfg: Dict, norm_cfg: Dict) -> None:
        """Build the residual branch's ``conv*`` and ``bn*``."""
        raise NotImplementedError

    def out_lengths(self, lengths: Tensor) -> Tensor:
        """Valid output lengths of a padded batch.

        Args:
            lengths (Tensor): (N,) valid input lengths.

        Returns:
            Tensor: (N,) valid output lengths (the strided convolution's).
        """
        return module_out_lengths(self.strided_conv, lengths)

    def _masks(self, x: Tensor, lengths: Optional[Tensor]):
        """Input mask, output lengths and output mask (all None without
        ``lengths``)."""
        if lengths is None:
            return None, None, None
        out_lengths = self.out_lengths(lengths)
        out_len = int(self.out_lengths(lengths.new_tensor([x.shape[-1]])))
        return (lengths_to_mask(lengths, x.shape[-1]), out_lengths,
                lengths_to_mask(out_lengths, out_len))

    def _identity(self, x: Tensor, mask: Optional[Tensor]) -> Tensor:
        """The shortcut: ``x`` or its projection ``downsample(x)``."""
        if self.downsample is None:
            return x
        if mask is None:
            return self.downsample(x)
        conv, norm = self.downsample[0], self.downsample[1]
        return masked_norm(norm, conv(x), mask)

    def _non_local(self, out: Tensor, lengths: Optional[Tensor]) -> Tensor:
        if self.non_local_block is None:
            return out
        return self.non_local_block(out, lengths=lengths)


class BasicBlock1d(_ResBlock1d):
    """Two 3-tap convolutions with a residual connection (torchvision's
    ``BasicBlock``). Arguments: :class:`_ResBlock1d`."""
    expansion = 1

    def _build_branch(self, inplanes: int, planes: int, stride: int,
                      conv_cfg: Dict, norm_cfg: Dict) -> None:
        self.conv1 = conv1d(conv_cfg, inplanes, planes, 3, stride)
        self.bn1 = norm1d(norm_cfg, planes)
        self.conv2 = conv1d(conv_cfg, planes, planes, 3)
        self.bn2 = norm1d(norm_cfg, planes)

    @property
    def strided_conv(self) -> nn.Module:
        return self.conv1

    def forward(self, x: Tensor, lengths: Optional[Tensor] = None) -> Tensor:
        """
        Args:
            x (Tensor): (N, inplanes, L), zero at padded positions.
            lengths (Tensor, optional): (N,) valid lengths of a padded
                batch; padded positions of the output are zero. Defaults to
                None (no padding).

        Returns:
            Tensor: (N, planes, L / stride).
        """
        _, out_lengths, mask = self._masks(x, lengths)
        out = self.conv1(x)  # (N, planes, L / stride)
        out = self.relu(masked_norm(self.bn1, out, mask))
        out = self.conv2(out)  # (N, planes, L / stride)
        out = masked_norm(self.bn2, out, mask)
        identity = self._identity(x, mask)  # (N, planes, L / stride)
        out = self.relu(out + identity)
        return self._non_local(out, out_lengths)  # (N, planes, L / stride)


class Bottleneck1d(_ResBlock1d):
    """1-3-1 bottleneck, stride on the 3-tap convolution (torchvision's
    ``Bottleneck``, ResNet V1.5). Arguments: :class:`_ResBlock1d`."""
    expansion = 4

    def _build_branch(self, inplanes: int, planes: int, stride: int,
                      conv_cfg: Dict, norm_cfg: Dict) -> None:
        self.conv1 = conv1d(conv_cfg, inplanes, planes, 1)
        self.bn1 = norm1d(norm_cfg, planes)
        self.conv2 = conv1d(conv_cfg, planes, planes, 3, stride)
        self.bn2 = norm1d(norm_cfg, planes)
        self.conv3 = conv1d(conv_cfg, planes, planes * self.expansion, 1)
        self.bn3 = norm1d(norm_cfg, planes * self.expansion)

    @property
    def strided_conv(self) -> nn.Module:
        return self.conv2

    def forward(self, x: Tensor, lengths: Optional[Tensor] = None) -> Tensor:
        """
        Args:
            x (Tensor): (N, inplanes, L), zero at padded positions.
            lengths (Tensor, optional): (N,) valid lengths of a padded
                batch; padded positions of the output are zero. Defaults to
                None (no padding).

        Returns:
            Tensor: (N, 4 * planes, L / stride).
        """
        in_mask, out_lengths, mask = self._masks(x, lengths)
        out = self.conv1(x)  # (N, planes, L)
        out = self.relu(masked_norm(self.bn1, out, in_mask))
        out = self.conv2(out)  # (N, planes, L / stride)
        out = self.relu(masked_norm(self.bn2, out, mask))
        out = self.conv3(out)  # (N, 4 * planes, L / stride)
        out = masked_norm(self.bn3, out, mask)
        identity = self._identity(x, mask)  # (N, 4 * planes, L / stride)
        out = self.relu(out + identity)
        return self._non_local(out, out_lengths)  # (N, 4*planes, L/stride)
