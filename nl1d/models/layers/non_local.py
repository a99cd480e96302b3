# Copyright (c) nl1d contributors. All rights reserved.
"""The 1D non-local block (Wang et al., "Non-local Neural Networks", CVPR
2018), compatible with :class:`mmcv.cnn.NonLocal1d` and fit for long signals.
"""
import logging
import math
from typing import Dict, Optional, Tuple

import torch
import torch.nn as nn
from mmcv.cnn import ConvModule
from mmengine.logging import print_log
from mmengine.model import BaseModule, constant_init, normal_init
from torch import Tensor

from mmaction.registry import MODELS
from .masking import (check_lengths, lengths_to_mask, masked_norm,
                      module_out_lengths)
from .nonlocal_attention import (CONCATENATION_IMPLS, DOT_PRODUCT_IMPLS,
                                 SOFTMAX_IMPLS, concatenation_affinity,
                                 concatenation_attention,
                                 dot_product_affinity, dot_product_attention,
                                 softmax_affinity, softmax_attention)

MODES = ('gaussian', 'embedded_gaussian', 'dot_product', 'concatenation')
_IMPLS = {
    'gaussian': SOFTMAX_IMPLS,
    'embedded_gaussian': SOFTMAX_IMPLS,
    'dot_product': DOT_PRODUCT_IMPLS,
    'concatenation': CONCATENATION_IMPLS,
}
#: A block that sees this many key positions or fewer relates (almost)
#: nothing: it is warned about once.
FEW_POSITIONS = 2


def _graph_capture() -> bool:
    """Whether the module is being traced, exported or compiled (where a
    Python-side check would be baked into, or break, the graph)."""
    return (torch.jit.is_tracing() or torch.onnx.is_in_onnx_export()
            or torch.compiler.is_compiling())


def _at_least_float32(*tensors: Tensor) -> Tuple[Tensor, ...]:
    """Half-precision tensors in float32; float32 and float64 unchanged."""
    return tuple(
        t.float() if t.dtype in (torch.float16, torch.bfloat16) else t
        for t in tensors)


@MODELS.register_module()
class NonLocal1d(BaseModule):
    """1D non-local block: ``z = x + W_z(y)``, ``y_i = sum_j f(x_i, x_j)
    g(x_j) / C(x)``.

    The block maps a Tensor to a Tensor of the same shape, so
    :class:`~nl1d.models.backbones.ResNet1d` places it after any residual
    block (``non_local``/``non_local_cfg``). After the backbone, as a
    recognizer neck, use :class:`~nl1d.models.necks.NonLocalNeck1d`: the same
    block with mmaction's neck interface and the same state dict.

    Parameters, their names and the outputs equal those of
    :class:`mmcv.cnn.NonLocal1d` (``g``, ``theta``, ``phi``, ``conv_out``,
    ``concat_project``; with ``sub_sample`` the pooled branches are
    ``nn.Sequential(conv, MaxPool1d(2))``), so mmcv's state dict loads with
    ``strict=True``. What differs:

    - the ``L x L_k`` affinity is never materialised for long inputs (see
      :mod:`nl1d.models.layers.nonlocal_attention`), and the affinity and
      softmax run in float32 under autocast;
    - :meth:`init_weights` is safe to call any number of times and in any
      nesting (mmcv's crashes with ``sub_sample=True``), and it is *not*
      marked done, so mmengine's ``BaseModule.init_weights`` of any parent
      calls it again after the parent's own ``init_cfg`` has run: the block
      stays an exact identity (``conv_out``'s norm weight, or its conv when
      ``norm_cfg`` is None, is zero) until training moves it;
    - a block whose input has :data:`FEW_POSITIONS` (2) key positions or
      fewer (e.g. ResNet1d-18's ImageNet stem and four stages leave 1
      position of a 24-sample series at res5) relates nothing and is only
      an extra residual MLP: the first such forward logs a warning naming
      the block, the length and the fix, once per block (not while tracing,
      exporting to ONNX or compiling).

    Pairwise functions and normalisation (``N`` = ``L_k`` key positions,
    ``L_k = L // 2`` with ``sub_sample``):

    =================== ================================= =================
    mode                f(x_i, x_j)                       C(x)
    =================== ================================= =================
    gaussian            exp(x_i . x_j)                    sum_j f
    embedded_gaussian   exp(s * theta_i . phi_j)          sum_j f
    dot_product         theta_i . phi_j                   L_k
    concatenation       ReLU(w . [theta_i; phi_j])        L_k
    =================== ================================= =================

    ``use_scale`` follows mmcv exactly: ``s = 1 / sqrt(inter_channels)``
    when ``use_scale`` and the mode is ``embedded_gaussian``, ``s = 1``
    otherwise; ``gaussian`` is never scaled, and ``dot_product`` and
    ``concatenation`` are always divided by ``L_k`` whatever ``use_scale``.

    Args:
        in_channels (int): Channels ``C`` of the input.
        reduction (int): ``inter_channels = max(C // reduction, 1)``.
            Defaults to 2.
        use_scale (bool): Scale the ``embedded_gaussian`` scores by
            ``1 / sqrt(inter_channels)``. Defaults to True.
        conv_cfg (dict, optional): Config of the 1x1 convolutions ``g``,
            ``theta``, ``phi`` and ``conv_out``. Defaults to None, meaning
            ``dict(type='Conv1d')``.
        norm_cfg (dict, optional): Norm after ``conv_out`` (e.g.
            ``dict(type='BN1d')``). Defaults to None.
        mode (str): One of ``'gaussian'``, ``'embedded_gaussian'``,
            ``'dot_product'``, ``'concatenation'``.
            Defaults to 'embedded_gaussian'.
        sub_sample (bool): Max-pool (kernel 2) the keys ``phi`` and values
            ``g`` along ``L``. Defaults to False.
        zeros_init (bool): Start ``conv_out`` (its norm weight, or its conv
            without a norm) at zero, so the block starts as an identity.
            Defaults to True.
        std (float): Std of the normal init of ``g``, ``theta``, ``phi``.
            Defaults to 0.01.
        attn_impl (str): Aggregation path: ``'auto'``, ``'naive'`` or, per
            mode, ``'sdpa'``/``'chunked'`` (gaussian, embedded_gaussian),
            ``'linear'`` (dot_product), ``'sorted'`` (concatenation). All are
            exact. Defaults to 'auto'.
        chunk_size (int, optional): Query rows per chunk of the chunked
            softmax path. Defaults to None (automatic).

    Examples:
        >>> block = NonLocal1d(256, mode='dot_product', sub_sample=True)
        >>> x = torch.randn(2, 256, 4096)
        >>> torch.equal(block(x), x)  # identity at init
        True
    """

    def __init__(self,
                 in_channels: int,
                 reduction: int = 2,
                 use_scale: bool = True,
                 conv_cfg: Optional[Dict] = None,
                 norm_cfg: Optional[Dict] = None,
                 mode: str = 'embedded_gaussian',
                 sub_sample: bool = False,
                 zeros_init: bool = True,
                 std: float = 0.01,
                 attn_impl: str = 'auto',
                 chunk_size: Optional[int] = None) -> None:
        super().__init__()
        if mode not in MODES:
            raise ValueError(f'NonLocal1d: mode must be one of {MODES}, but '
                             f'got {mode!r}.')
        self.mode = mode
        if attn_impl not in _IMPLS[mode]:
            raise ValueError(
                f'NonLocal1d: attn_impl for mode {mode!r} must be one of '
                f'{_IMPLS[mode]}, but got {attn_impl!r}.')
        self.attn_impl = attn_impl
        self.chunk_size = chunk_size
        self.in_channels = in_channels
        self.reduction = reduction
        self.inter_channels = max(in_channels // reduction, 1)
        self.use_scale = use_scale
        self.sub_sample = sub_sample
        self.zeros_init, self.std = zeros_init, std
        self._warned_few_positions = False
        if conv_cfg is None:
            conv_cfg = dict(type='Conv1d')

        # Same modules, arguments and names as mmcv's _NonLocalNd.
        self.g = ConvModule(
            in_channels,
            self.inter_channels,
            kernel_size=1,
            conv_cfg=conv_cfg,
            act_cfg=None)
        self.conv_out = ConvModule(
            self.inter_channels,
            in_channels,
            kernel_size=1,
            conv_cfg=conv_cfg,
            norm_cfg=norm_cfg,
            act_cfg=None)
        if mode != 'gaussian':
            self.theta = ConvModule(
                in_channels,
                self.inter_channels,
                kernel_size=1,
                conv_cfg=conv_cfg,
                act_cfg=None)
            self.phi = ConvModule(
                in_channels,
                self.inter_channels,
                kernel_size=1,
                conv_cfg=conv_cfg,
                act_cfg=None)
        if mode == 'concatenation':
            # mmcv builds it as a Conv2d (no conv_cfg): same weight shape.
            self.concat_project = ConvModule(
                self.inter_channels * 2,
                1,
                kernel_size=1,
                bias=False,
                act_cfg=dict(type='ReLU'))
        if sub_sample:
            pool = nn.MaxPool1d(kernel_size=2)
            self.g = nn.Sequential(self.g, pool)
            if mode != 'gaussian':
                self.phi = nn.Sequential(self.phi, pool)
            else:
                self.phi = pool
        self.init_weights()

    @staticmethod
    def _conv_module(module: nn.Module) -> ConvModule:
        """The ConvModule of a branch, unwrapping the sub-sampling pool."""
        return module[0] if isinstance(module, nn.Sequential) else module

    @property
    def gate(self) -> nn.Module:
        """The module whose weight scales the block's output: ``conv_out``'s
        norm, or its conv without a norm. Zero means the block is an
        identity (``z = x + conv_out(y)``)."""
        return self.conv_out.norm if self.conv_out.with_norm else \
            self.conv_out.conv

    def init_weights(self) -> None:
        """Initialise the block so that it starts as an exact identity.

        ``g``, ``theta``, ``phi``: normal(0, ``std``), zero bias;
        ``concat_project``: Kaiming; ``conv_out``: zero (its norm's weight
        and bias, or its conv without a norm) when ``zeros_init``, else
        normal(0, ``std``).

        Unlike :meth:`BaseModule.init_weights` this never marks the module
        as initialised: a parent's ``init_weights`` runs its ``init_cfg``
        (e.g. Kaiming on every ``Conv1d``, ones on every ``_BatchNorm``) and
        then calls this again, so the identity start survives.
        """
        branches = [self.g] if self.mode == 'gaussian' else \
            [self.g, self.theta, self.phi]
        for branch in branches:
            normal_init(self._conv_module(branch).conv, std=self.std)
        if self.mode == 'concatenation':
            self.concat_project.init_weights()
        if self.zeros_init:
            constant_init(self.gate, 0)
        else:
            normal_init(self.gate, std=self.std)

    def _embed(self, x: Tensor) -> Tuple[Tensor, Tensor, Tensor]:
        """Queries, keys and values, position-major.

        Args:
            x (Tensor): (N, C, L).

        Returns:
            tuple[Tensor]: theta (N, L, E), phi (N, L_k, E), g (N, L_k, Ci),
            with ``E = C`` for gaussian, else ``Ci``.
        """
        g = self.g(x).transpose(1, 2)  # (N, L_k, Ci)
        if self.mode == 'gaussian':
            theta = x.transpose(1, 2)  # (N, L, C)
            phi = self.phi(x) if self.sub_sample else x  # (N, C, L_k)
        else:
            theta = self.theta(x).transpose(1, 2)  # (N, L, Ci)
            phi = self.phi(x)  # (N, Ci, L_k)
        return theta, phi.transpose(1, 2), g

    def _concat_terms(self, theta: Tensor,
                      phi: Tensor) -> Tuple[Tensor, Tensor]:
        """Split ``concat_project`` into query and key terms.

        Args:
            theta (Tensor): (N, L, Ci).
            phi (Tensor): (N, L_k, Ci).

        Returns:
            tuple[Tensor]: a (N, L), b (N, L_k).
        """
        weight = self.concat_project.conv.weight.reshape(
            2, self.inter_channels, 1)  # (2, Ci, 1)
        weight = weight.to(theta.dtype)
        # (Ci, 1) columns, not (Ci,) vectors: ONNX Runtime 1.32's
        # MatmulTransposeFusion computes Transpose -> MatMul with a 1-D
        # second operand wrongly, and the exported block went wrong with it.
        a = torch.matmul(theta, weight[0]).squeeze(-1)  # (N, L)
        b = torch.matmul(phi, weight[1]).squeeze(-1)  # (N, L_k)
        return a, b

    @property
    def score_scale(self) -> float:
        """Multiplier of the softmax scores, mmcv's convention:
        ``1 / sqrt(inter_channels)`` for ``embedded_gaussian`` with
        ``use_scale``, else 1."""
        if self.mode == 'embedded_gaussian' and self.use_scale:
            return 1.0 / math.sqrt(self.inter_channels)
        return 1.0

    def key_lengths(self, lengths: Tensor) -> Tensor:
        """Valid key positions of a right-padded batch.

        Args:
            lengths (Tensor): (N,) valid lengths of the input.

        Returns:
            Tensor: (N,) valid keys, ``lengths // 2`` with ``sub_sample``
            (a pooled pair that reaches into the padding is not valid).
        """
        if not self.sub_sample:
            return lengths
        return module_out_lengths(self.g[1], lengths)

    def _aggregate(self, x: Tensor,
                   lengths: Optional[Tensor] = None) -> Tensor:
        """``y = f(x) g(x) / C(x)``, over the valid keys only when
        ``lengths`` is given.

        Args:
            x (Tensor): (N, C, L).
            lengths (Tensor, optional): (N,) valid lengths. Defaults to None.

        Returns:
            Tensor: (N, Ci, L) in float32 (or float64 for float64 input).
        """
        theta, phi, g = self._embed(x)
        keys = None if lengths is None else self.key_lengths(lengths)
        with torch.autocast(device_type=x.device.type, enabled=False):
            if self.mode == 'dot_product':
                y = dot_product_attention(
                    theta, phi, g, impl=self.attn_impl, key_lengths=keys)
            elif self.mode == 'concatenation':
                a, b = self._concat_terms(*_at_least_float32(theta, phi))
                y = concatenation_attention(
                    a, b, g, impl=self.attn_impl, key_lengths=keys)
            else:
                y = softmax_attention(
                    theta,
                    phi,
                    g,
                    scale=self.score_scale,
                    impl=self.attn_impl,
                    chunk_size=self.chunk_size,
                    key_lengths=keys)
        return y.transpose(1, 2)  # (N, Ci, L)

    def forward(self, x: Tensor, lengths: Optional[Tensor] = None) -> Tensor:
        """Apply the block.

        Args:
            x (Tensor): (N, C, L).
            lengths (Tensor, optional): (N,) valid lengths of a right-padded
                batch: padded keys get no weight (``dot_product`` and
                ``concatenation`` divide by the valid key count), the
                output norm's batch statistics count valid positions only,
                and padded positions of the output are zero. Defaults to
                None (no padding).

        Returns:
            Tensor: (N, C, L), ``x + conv_out(y)``.
        """
        if not self._warned_few_positions and not _graph_capture():
            self._check_positions(x.shape[-1])
        if lengths is not None:
            check_lengths(lengths, x, type(self).__name__)
        y = self._aggregate(x, lengths)  # (N, Ci, L)
        if not torch.is_autocast_enabled(x.device.type):
            y = y.to(x.dtype)
        if lengths is None:
            return x + self.conv_out(y)  # (N, C, L)
        mask = lengths_to_mask(lengths, x.shape[-1])  # (N, 1, L)
        out = self.conv_out.conv(y)  # (N, C, L)
        if self.conv_out.with_norm:
            out = masked_norm(self.conv_out.norm, out, mask)
        else:
            out = out * mask
        return x * mask + out  # (N, C, L), zero at padded positions

    def _check_positions(self, length: int) -> None:
        """Warn (once) when the block relates too few positions to matter.

        Args:
            length (int): ``L`` of the input.
        """
        keys = length // 2 if self.sub_sample else length
        if keys > FEW_POSITIONS:
            return
        self._warned_few_positions = True
        seen = f'{length} position(s)' + (
            f' ({keys} key position(s) after sub_sample)'
            if self.sub_sample else '')
        print_log(
            f'{type(self).__name__}(in_channels={self.in_channels}, '
            f'mode={self.mode!r}) sees {seen}: it relates (almost) nothing, '
            'so it adds parameters and no long-range context. The backbone '
            'has downsampled the series too far before the block: use a '
            'stem that downsamples less (model.backbone.stem_stride=1, '
            'model.backbone.stem_pool=False), place the block at an earlier '
            'stage (model.backbone.non_local, e.g. res4 instead of the neck '
            'after res5), or give the model longer windows. (Warned once '
            'per block.)',
            logger='current',
            level=logging.WARNING)

    @torch.no_grad()
    def attention_map(self, x: Tensor,
                      lengths: Optional[Tensor] = None) -> Tensor:
        """Normalised pairwise weights ``f(x_i, x_j) / C(x)``.

        Rows are query positions, columns key positions, so
        ``y = attention_map(x) @ g(x)^T``. For gaussian and embedded gaussian
        each row is a softmax (sums to 1); for dot_product and concatenation
        it is ``f / L_k``. The full matrix is materialised: use it on
        the lengths you want to look at, not on the longest signals.

        Args:
            x (Tensor): (N, C, L).
            lengths (Tensor, optional): (N,) valid lengths of a padded
                batch: padded keys get weight 0. Defaults to None.

        Returns:
            Tensor: (N, L, L_k) float32, ``L_k = L // 2`` with ``sub_sample``.
        """
        theta, phi, _ = self._embed(x)
        keys = None if lengths is None else self.key_lengths(lengths)
        with torch.autocast(device_type=x.device.type, enabled=False):
            theta, phi = _at_least_float32(theta, phi)  # (N, L|L_k, E)
            if self.mode == 'concatenation':
                return concatenation_affinity(
                    *self._concat_terms(theta, phi), key_lengths=keys)
            if self.mode == 'dot_product':
                return dot_product_affinity(theta, phi, key_lengths=keys)
            return softmax_affinity(
                theta, phi, scale=self.score_scale, key_lengths=keys)

    def extra_repr(self) -> str:
        return (f'mode={self.mode!r}, sub_sample={self.sub_sample}, '
                f'use_scale={self.use_scale}, attn_impl={self.attn_impl!r}')
