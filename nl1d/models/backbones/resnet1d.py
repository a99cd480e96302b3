# Copyright (c) nl1d contributors. All rights reserved.
"""1D ResNet with non-local blocks, after torchvision's ``resnet.py`` and
mmaction2's ``ResNet3d`` (He et al., CVPR 2016; Wang et al., CVPR 2018)."""
from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch.nn as nn
import torch.utils.checkpoint as cp
from mmcv.cnn import build_activation_layer
from mmengine.logging import MMLogger
from mmengine.model import BaseModule, Sequential, constant_init
from mmengine.utils.dl_utils.parrots_wrapper import _BatchNorm
from torch import Tensor

from mmaction.registry import MODELS
from nl1d.checkpoint.schemes import load_checkpoint, load_checkpoint_file
from ..layers import BasicBlock1d, Bottleneck1d, conv1d, norm1d
from ..layers.masking import (check_lengths, lengths_to_mask, mask_padding,
                              masked_norm, module_out_lengths)
from .deflate import deflate_state_dict


@MODELS.register_module()
class ResNet1d(BaseModule):
    """ResNet for signals of shape (N, C, L), with optional non-local blocks.

    Attribute and state-dict names are torchvision's (``conv1``, ``bn1``,
    ``layerX.Y.convN``/``bnN``, ``layerX.Y.downsample.0/1``), plus
    ``layerX.Y.non_local_block`` where a non-local block is placed, so 2D
    ResNet checkpoints deflate by name (``pretrained2d``).

    Args:
        depth (int): 18, 34, 50 or 101.
        in_channels (int): Signal channels (leads). Defaults to 1.
        base_channels (int): Channels of the stem and of ``layer1``'s planes.
            Defaults to 64.
        strides (Sequence[int]): Stride of each stage. Defaults to
            ``(1, 2, 2, 2)``.
        stem_kernel (int): Width of the stem convolution ``conv1``.
            Defaults to 7 (torchvision's, needed to deflate 2D weights).
        stem_stride (int): Stride of ``conv1``. Defaults to 2.
        stem_pool (bool): Max-pool (kernel 3, stride 2) after the stem.
            Defaults to True. The defaults are the ImageNet stem, which
            divides the length by 4 before ``layer1`` (32 overall); short
            series (a few hundred samples) keep more positions for the
            later stages with ``stem_stride=1, stem_pool=False`` (8 overall).
        out_indices (Sequence[int]): Stages whose outputs are returned (0 is
            ``layer1``); one index gives a Tensor, several a tuple.
            Defaults to ``(3,)`` (res5 only).
        frozen_stages (int): Stages to freeze (parameters fixed, norms in
            eval mode); 0 freezes the stem only, ``i`` the stem and
            ``layer1..i``; -1 freezes nothing. Defaults to -1.
        norm_eval (bool): Keep every norm in eval mode (running statistics
            frozen) during training. Defaults to False.
        zero_init_residual (bool): Zero the last norm of every residual
            branch, so each block starts as an identity. Improves training by
            0.2~0.3% top-1 per https://arxiv.org/abs/1706.02677 (torchvision
            defaults to False, mmaction2's ResNet3d to True). Defaults to True.
        with_cp (bool): Activation checkpointing of every residual block
            (its activations are recomputed in backward, saving memory).
            Defaults to False.
        non_local (Sequence[int | Sequence[int]]): Per stage, where to append
            a :class:`~nl1d.models.layers.NonLocal1d` after a block: an int
            (0 or 1) for every block of the stage, or a tuple of 0/1 with one
            entry per block, as mmaction2's ``ResNet3d``, e.g. for R50
            ``((0, 0, 0), (0, 1, 0, 1), (0, 1, 0, 1, 0, 1), (0, 0, 0))``.
            Defaults to ``(0, 0, 0, 0)``.
        non_local_cfg (dict, optional): Arguments of every
            :class:`~nl1d.models.layers.NonLocal1d` but ``in_channels``.
            Defaults to None (the block's defaults).
        conv_cfg (dict, optional): Defaults to None, meaning
            ``dict(type='Conv1d')``.
        norm_cfg (dict, optional): Defaults to None, meaning
            ``dict(type='BN1d', requires_grad=True)``.
        act_cfg (dict, optional): Defaults to None, meaning
            ``dict(type='ReLU', inplace=True)``.
        pretrained (str, optional): Checkpoint loaded by :meth:`init_weights`
            (path or URL). Defaults to None.
        pretrained2d (bool, optional): Only with ``pretrained``: True when it
            is a 2D ResNet with torchvision key names, deflated by
            :func:`nl1d.models.backbones.deflate.deflate_state_dict`; False
            when it is a ``ResNet1d`` checkpoint. Defaults to None, meaning
            True when ``pretrained`` is given.
        init_cfg (dict or list[dict], optional): Defaults to None, meaning
            Kaiming for convolutions and ones for norms.

    Examples:
        >>> model = ResNet1d(18, in_channels=12)
        >>> model(torch.randn(2, 12, 2000)).shape
        torch.Size([2, 512, 63])
    """

    arch_settings = {
        18: (BasicBlock1d, (2, 2, 2, 2)),
        34: (BasicBlock1d, (3, 4, 6, 3)),
        50: (Bottleneck1d, (3, 4, 6, 3)),
        101: (Bottleneck1d, (3, 4, 23, 3)),
    }

    def __init__(self,
                 depth: int,
                 in_channels: int = 1,
                 base_channels: int = 64,
                 strides: Sequence[int] = (1, 2, 2, 2),
                 stem_kernel: int = 7,
                 stem_stride: int = 2,
                 stem_pool: bool = True,
                 out_indices: Sequence[int] = (3, ),
                 frozen_stages: int = -1,
                 norm_eval: bool = False,
                 zero_init_residual: bool = True,
                 with_cp: bool = False,
                 non_local: Sequence[Union[int, Sequence[int]]] = (0, 0, 0,
                                                                   0),
                 non_local_cfg: Optional[Dict] = None,
                 conv_cfg: Optional[Dict] = None,
                 norm_cfg: Optional[Dict] = None,
                 act_cfg: Optional[Dict] = None,
                 pretrained: Optional[str] = None,
                 pretrained2d: Optional[bool] = None,
                 init_cfg: Optional[Union[Dict, List[Dict]]] = None) -> None:
        if init_cfg is None:
            init_cfg = [
                dict(type='Kaiming', layer=['Conv1d', 'Conv2d']),
                dict(type='Constant', layer=['_BatchNorm', 'GroupNorm'],
                     val=1)
            ]
        super().__init__(init_cfg=init_cfg)
        if conv_cfg is None:
            conv_cfg = dict(type='Conv1d')
        if norm_cfg is None:
            norm_cfg = dict(type='BN1d', requires_grad=True)
        if act_cfg is None:
            act_cfg = dict(type='ReLU', inplace=True)
        if depth not in self.arch_settings:
            raise KeyError(f'ResNet1d: invalid depth {depth}, choose one of '
                           f'{sorted(self.arch_settings)}.')
        self.depth = depth
        self.block, self.stage_blocks = self.arch_settings[depth]
        self.out_indices = tuple(out_indices)
        self._check_arguments(strides, out_indices, pretrained, pretrained2d)
        self.non_local_stages = self._expand_non_local(non_local)
        self.pretrained = pretrained
        self.pretrained2d = None if pretrained is None else \
            pretrained2d is not False
        self.frozen_stages = frozen_stages
        self.norm_eval = norm_eval
        self.zero_init_residual = zero_init_residual
        self.with_cp = with_cp

        # stem: (N, in_channels, L) -> (N, base_channels, L / 4) by default
        self.in_channels = in_channels
        self.base_channels = base_channels
        self.stem_kernel, self.stem_stride = stem_kernel, stem_stride
        self.stem_pool = stem_pool
        self.conv1 = conv1d(
            conv_cfg, in_channels, base_channels, stem_kernel,
            stride=stem_stride)
        self.bn1 = norm1d(norm_cfg, base_channels)
        self.relu = build_activation_layer(act_cfg)
        self.maxpool = nn.MaxPool1d(kernel_size=3, stride=2, padding=1) \
            if stem_pool else nn.Identity()

        self.inplanes = base_channels
        self.res_layers = []
        block_cfg = dict(
            non_local_cfg=non_local_cfg,
            conv_cfg=conv_cfg,
            norm_cfg=norm_cfg,
            act_cfg=act_cfg)
        for i, (blocks, stride) in enumerate(zip(self.stage_blocks,
                                                 strides)):
            layer = self._make_layer(
                base_channels * 2**i,
                blocks,
                stride,
                non_local=self.non_local_stages[i],
                block_cfg=block_cfg)
            name = f'layer{i + 1}'
            self.add_module(name, layer)
            self.res_layers.append(name)
        self.feat_dim = self.inplanes

    def _check_arguments(self, strides: Sequence[int],
                         out_indices: Sequence[int],
                         pretrained: Optional[str],
                         pretrained2d: Optional[bool]) -> None:
        """Raise on ``strides`` / ``out_indices`` that do not match the
        stages, and on ``pretrained2d`` without ``pretrained``."""
        num_stages = len(self.stage_blocks)
        if len(strides) != num_stages:
            raise ValueError(f'ResNet1d: strides needs {num_stages} '
                             f'entries (one per stage), got {strides}.')
        if not self.out_indices or not all(
                0 <= i < num_stages for i in self.out_indices):
            raise ValueError(
                f'ResNet1d: out_indices must be a non-empty subset of '
                f'{tuple(range(num_stages))}, got {out_indices}.')
        if pretrained is None and pretrained2d is not None:
            raise ValueError(
                f'ResNet1d: pretrained2d={pretrained2d} has no effect without '
                'pretrained: set pretrained=PATH (a 2D ResNet with '
                'pretrained2d=True, a ResNet1d checkpoint with False), or '
                'drop pretrained2d.')

    def _expand_non_local(
            self, non_local: Sequence[Union[int, Sequence[int]]]
    ) -> Tuple[Tuple[int, ...], ...]:
        """Expand and validate ``non_local`` into one 0/1 per block."""
        name = f'ResNet1d-{self.depth}'
        if isinstance(non_local, int) or len(non_local) != len(
                self.stage_blocks):
            raise ValueError(
                f'{name}: non_local needs one entry per stage '
                f'({len(self.stage_blocks)} stages with '
                f'{self.stage_blocks} blocks), got {non_local!r}.')
        stages = []
        for i, (flags, blocks) in enumerate(zip(non_local,
                                                self.stage_blocks)):
            where = f'{name}: non_local[{i}] (stage layer{i + 1}, ' \
                    f'{blocks} blocks)'
            if isinstance(flags, int):
                flags = (flags, ) * blocks
            flags = tuple(flags)
            if len(flags) != blocks:
                raise ValueError(
                    f'{where} has {len(flags)} entries {flags}: give one 0/1 '
                    f'per block of the stage, or a single 0/1 for all.')
            if any(f not in (0, 1) for f in flags):
                raise ValueError(f'{where} must hold only 0 and 1, got '
                                 f'{flags}.')
            stages.append(flags)
        return tuple(stages)

    def _make_layer(self, planes: int, blocks: int, stride: int,
                    non_local: Tuple[int, ...], block_cfg: Dict) -> Sequential:
        """One stage of ``blocks`` blocks, the first with ``stride`` and the
        identity's projection; an mmengine ``Sequential`` so that a parent's
        ``init_weights`` reaches the non-local blocks inside.

        Args:
            planes (int): Width of the stage's residual branches.
            blocks (int): Number of blocks.
            stride (int): Stride of the first block.
            non_local (tuple[int]): One 0/1 per block.
            block_cfg (dict): ``non_local_cfg``, ``conv_cfg``, ``norm_cfg``
                and ``act_cfg`` of every block.

        Returns:
            Sequential: The stage.
        """
        downsample = None
        out_planes = planes * self.block.expansion
        if stride != 1 or self.inplanes != out_planes:
            downsample = Sequential(
                conv1d(block_cfg['conv_cfg'], self.inplanes, out_planes, 1,
                       stride), norm1d(block_cfg['norm_cfg'], out_planes))
        layers = [
            self.block(self.inplanes, planes, stride, downsample,
                       non_local=bool(non_local[0]), **block_cfg)
        ]
        self.inplanes = out_planes
        for i in range(1, blocks):
            layers.append(
                self.block(self.inplanes, planes,
                           non_local=bool(non_local[i]), **block_cfg))
        return Sequential(*layers)

    def init_weights(self) -> None:
        """Kaiming/constant init from ``init_cfg`` (every non-local block
        re-zeroes its output afterwards), zero-init of the residual branches'
        last norms, then ``pretrained`` if given."""
        super().init_weights()
        if self.zero_init_residual:
            for m in self.modules():
                if isinstance(m, Bottleneck1d):
                    constant_init(m.bn3, 0)
                elif isinstance(m, BasicBlock1d):
                    constant_init(m.bn2, 0)
        if self.pretrained is None:
            return
        logger = MMLogger.get_current_instance()
        logger.info(f'ResNet1d: load model from {self.pretrained}')
        if self.pretrained2d:
            checkpoint = load_checkpoint_file(
                self.pretrained, map_location='cpu')
            state_dict = checkpoint.get('state_dict', checkpoint) \
                if isinstance(checkpoint, dict) else checkpoint
            deflated, missing, unexpected = deflate_state_dict(
                state_dict, self.state_dict())
            self.load_state_dict(deflated, strict=False)
            # The path makes each message unique: mmengine's logger drops
            # repeated warnings.
            if missing:
                logger.warning(
                    f'ResNet1d: keys not in the 2D checkpoint '
                    f'{self.pretrained}, left as initialised: {missing}')
            if unexpected:
                logger.warning(f'ResNet1d: keys of the 2D checkpoint '
                               f'{self.pretrained} not used: {unexpected}')
        else:
            load_checkpoint(
                self, self.pretrained, strict=False, logger=logger)

    def stage_lengths(self, lengths: Tensor) -> List[Tensor]:
        """Valid lengths at every stage of a right-padded batch, derived
        from the strides of the stem and the blocks.

        Args:
            lengths (Tensor): (N,) valid input lengths.

        Returns:
            list[Tensor]: (N,) valid lengths after ``layer1`` .. ``layerK``.
        """
        lengths = module_out_lengths(self.conv1, lengths)
        lengths = module_out_lengths(self.maxpool, lengths)
        stages = []
        for name in self.res_layers:
            for block in getattr(self, name):
                lengths = block.out_lengths(lengths)
            stages.append(lengths)
        return stages

    def out_lengths(self, lengths: Tensor) -> Union[Tensor, Tuple[Tensor]]:
        """Valid lengths of the outputs (those of ``out_indices``).

        Args:
            lengths (Tensor): (N,) valid input lengths.

        Returns:
            Tensor | tuple[Tensor]: (N,) per output, shaped as
            :meth:`forward`'s outputs.
        """
        stages = self.stage_lengths(lengths)
        outs = [stages[i] for i in self.out_indices]
        return outs[0] if len(outs) == 1 else tuple(outs)

    def _stem(self, x: Tensor, lengths: Optional[Tensor]) -> Tensor:
        """conv1, bn1, relu, maxpool; padded positions kept at zero."""
        x = self.conv1(x)  # (N, base, L / stem_stride)
        if lengths is None:
            x = self.relu(self.bn1(x))
            return self.maxpool(x)  # (N, base, L / 4 by default)
        lengths = module_out_lengths(self.conv1, lengths)
        mask = lengths_to_mask(lengths, x.shape[-1])  # (N, 1, L')
        x = self.relu(masked_norm(self.bn1, x, mask))
        if isinstance(self.maxpool, nn.Identity):
            return x
        # padding never wins a maximum, as the pool's own padding would not
        x = self.maxpool(x.masked_fill(~mask, float('-inf')))
        lengths = module_out_lengths(self.maxpool, lengths)
        return mask_padding(x, lengths_to_mask(lengths, x.shape[-1]))

    def forward(self,
                x: Tensor,
                lengths: Optional[Tensor] = None
                ) -> Union[Tensor, Tuple[Tensor, ...]]:
        """
        Args:
            x (Tensor): (N, in_channels, L).
            lengths (Tensor, optional): (N,) valid lengths of a right-padded
                batch (zeros after each record). Every layer then ignores
                the padding, so a record's features at valid positions do
                not depend on what it was batched with; padded positions of
                the outputs are zero and :meth:`out_lengths` gives their
                valid lengths. Defaults to None (no padding).

        Returns:
            Tensor | tuple[Tensor]: (N, C_i, L_i) of each stage in
            ``out_indices``; a Tensor when there is one.
        """
        if lengths is not None:
            check_lengths(lengths, x, f'ResNet1d-{self.depth}')
            x = mask_padding(x, lengths_to_mask(lengths, x.shape[-1]))
        x = self._stem(x, lengths)  # (N, base, L / 4 by default)
        if lengths is not None:
            lengths = module_out_lengths(
                self.maxpool, module_out_lengths(self.conv1, lengths))
        outs = []
        for i, name in enumerate(self.res_layers):
            for block in getattr(self, name):
                if self.with_cp and x.requires_grad:
                    x = cp.checkpoint(block, x, lengths, use_reentrant=False)
                else:
                    x = block(x, lengths)  # (N, C_i, L_i)
                if lengths is not None:
                    lengths = block.out_lengths(lengths)
            if i in self.out_indices:
                outs.append(x)
        return outs[0] if len(outs) == 1 else tuple(outs)

    def _freeze_stages(self) -> None:
        if self.frozen_stages >= 0:
            for m in (self.conv1, self.bn1):
                m.eval()
                for param in m.parameters():
                    param.requires_grad = False
        for i in range(1, self.frozen_stages + 1):
            m = getattr(self, f'layer{i}')
            m.eval()
            for param in m.parameters():
                param.requires_grad = False

    def train(self, mode: bool = True) -> 'ResNet1d':
        """Set train mode, keeping frozen stages and (with ``norm_eval``)
        every norm in eval mode."""
        super().train(mode)
        self._freeze_stages()
        if mode and self.norm_eval:
            for m in self.modules():
                if isinstance(m, _BatchNorm):
                    m.eval()
        return self
