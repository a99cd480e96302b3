# Copyright (c) nl1d contributors. All rights reserved.
"""A recognizer's test-time computation as one exportable ``forward``.

:class:`ExportableRecognizer` computes what ``tools/test.py`` computes for
a batch of records, from the windows the test pipeline cut to the scores it
dumps:

    inputs (N, num_clips, C, L) float32
      -> data preprocessor normalisation (when the config sets mean/std)
      -> (N * num_clips, C, L) -> backbone (with its non-local blocks)
      -> neck -> head (pooling, fc) -> scores (N * num_clips, K)
      -> clip averaging of the head (``average_clips``):
         'prob': softmax, then the mean over the clips  -> (N, K)
         'score': the mean of the raw scores over the clips -> (N, K)
         None: raw scores per clip                       -> (N, num_clips, K)
    = pred_score

Two things make the graph exportable with dynamic batch, clips and length:

- every :class:`~nl1d.models.layers.NonLocal1d` computes the plain attention
  formula (``attn_impl='naive'``: ``softmax(theta phi^T) g``, ``(theta phi^T
  / L_k) g``, ``ReLU(a_i + b_j) g / L_k``). The memory-lean paths are exact
  too, but the chunked softmax is an autograd Function with a Python loop
  and the sorted concatenation path needs ``searchsorted``, which ONNX lacks;
  ``'auto'`` chooses by size, which the graph must not freeze. The attention
  code also selects the naive path by itself while ``torch.onnx`` exports.
- ``nn.MaxPool1d`` (the stem's pool, ``sub_sample`` in non-local blocks) is
  exported as the identical ``max_pool2d`` over a height of 1: torch.export
  specialises ``max_pool1d`` to the traced length (torch 2.13).

Records of different lengths (whole records, ``SampleWindows(clip_len=
None)``) go one per call: the graph holds no padding mask (the PyTorch
recognizer's ``valid_length`` masking is not exported), so a padded batch
would count the padding as signal. A record alone gives the score it gets
alone, which is its score in ``tools/test.py``'s padded batches.

Every mode of the block exports (all four pairwise functions, with and
without ``sub_sample``, as a neck and inside the backbone). What cannot be
exported: ``model.test_cfg.max_testing_views`` (a Python loop over the
clips; it only bounds memory and is ignored) and a backbone with several
``out_indices`` (the head takes one stage).
"""
import copy
from typing import Any

import torch.nn as nn
import torch.nn.functional as F
from mmaction.registry import MODELS
from torch import Tensor


class _MaxPool1dAs2d(nn.Module):
    """``nn.MaxPool1d`` computed as ``max_pool2d`` over a height of 1:
    identical values, and a length that stays symbolic in torch.export."""

    def __init__(self, pool: nn.MaxPool1d) -> None:
        super().__init__()

        def first(value: Any) -> int:
            return value[0] if isinstance(value, (tuple, list)) else value

        if first(pool.dilation) != 1 or pool.return_indices:
            raise ValueError(
                f'ONNX export: {pool} (dilation or return_indices) is not '
                'supported; use a plain MaxPool1d.')
        self.kernel_size = first(pool.kernel_size)
        self.stride = first(pool.stride or pool.kernel_size)
        self.padding = first(pool.padding)
        self.ceil_mode = pool.ceil_mode

    def forward(self, x: Tensor) -> Tensor:
        """(N, C, L) -> (N, C, L_out)."""
        out = F.max_pool2d(
            x.unsqueeze(2), (1, self.kernel_size), (1, self.stride),
            (0, self.padding), ceil_mode=self.ceil_mode)  # (N, C, 1, L_out)
        return out.squeeze(2)


def _replace_max_pool1d(module: nn.Module) -> int:
    """Swap every ``nn.MaxPool1d`` below ``module`` for
    :class:`_MaxPool1dAs2d` (in place). Returns how many were swapped."""
    count = 0
    for name, child in list(module.named_children()):
        if isinstance(child, nn.MaxPool1d):
            setattr(module, name, _MaxPool1dAs2d(child))
            count += 1
        else:
            count += _replace_max_pool1d(child)
    return count


def use_naive_attention(model: nn.Module) -> int:
    """Make every non-local block of ``model`` compute the plain attention
    formula (``attn_impl='naive'``), in place.

    Args:
        model (nn.Module): Any module.

    Returns:
        int: The number of non-local blocks found.
    """
    block_type = MODELS.get('NonLocal1d')
    count = 0
    for module in model.modules():
        if isinstance(module, block_type):
            module.attn_impl = 'naive'
            count += 1
    return count


class ExportableRecognizer(nn.Module):
    """A recognizer's test-time computation as one ``forward``:
    windows in, ``pred_score`` out (see the module docstring).

    Args:
        recognizer (nn.Module): A :class:`~nl1d.models.Recognizer1D` (or any
            mmaction recognizer with ``backbone``, optional ``neck``,
            ``cls_head`` and a data preprocessor), in eval mode. It is
            deep-copied; the copy computes the plain attention formula.

    Examples:
        >>> wrapper = ExportableRecognizer(model)
        >>> wrapper(torch.randn(2, 5, 1, 2000)).shape  # 2 records, 5 clips
        torch.Size([2, 2])
    """

    def __init__(self, recognizer: nn.Module) -> None:
        super().__init__()
        model = copy.deepcopy(recognizer).cpu().eval()
        backbone_out = getattr(model.backbone, 'out_indices', (0, ))
        if len(backbone_out) != 1:
            raise ValueError(
                f'ONNX export: the backbone returns {len(backbone_out)} '
                f'stages (out_indices={tuple(backbone_out)}); the head takes '
                'one. Set model.backbone.out_indices to one stage.')
        average = getattr(model.cls_head, 'average_clips', 'prob')
        if average not in ('prob', 'score', None):
            raise ValueError(
                f'ONNX export: cls_head.average_clips={average!r}; give '
                "'prob', 'score' or None.")
        use_naive_attention(model)
        _replace_max_pool1d(model)
        self.backbone = model.backbone
        self.neck = model.neck if getattr(model, 'with_neck', False) else None
        self.cls_head = model.cls_head
        self.average_clips = average
        preprocessor = model.data_preprocessor
        if getattr(preprocessor, '_enable_normalize', False):
            # (C, 1) each, as SignalDataPreprocessor holds them
            self.register_buffer('mean', preprocessor.mean.detach().clone())
            self.register_buffer('std', preprocessor.std.detach().clone())
        else:
            self.mean = self.std = None

    def forward(self, inputs: Tensor) -> Tensor:
        """Classify ``N`` records of ``num_clips`` windows each.

        Args:
            inputs (Tensor): (N, num_clips, C, L) float32 windows, none of
                them padded (records of different lengths: one per call).

        Returns:
            Tensor: ``pred_score``, (N, K) (``average_clips`` 'prob' or
            'score') or (N, num_clips, K) (None).
        """
        n, num_clips = inputs.shape[0], inputs.shape[1]
        x = inputs.float()
        if self.mean is not None:
            x = (x - self.mean) / self.std  # (N, num_clips, C, L)
        x = x.flatten(0, 1)  # (N * num_clips, C, L)
        x = self.backbone(x)  # (N * num_clips, C', L')
        if self.neck is not None:
            x = self.neck(x)
            if isinstance(x, tuple):  # mmaction's (x, loss_aux)
                x = x[0]
        scores = self.cls_head(x)  # (N * num_clips, K)
        scores = scores.reshape(n, num_clips, scores.shape[-1])
        if self.average_clips == 'prob':
            return scores.softmax(dim=2).mean(dim=1)  # (N, K)
        if self.average_clips == 'score':
            return scores.mean(dim=1)  # (N, K)
        return scores  # (N, num_clips, K)
