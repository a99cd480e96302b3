# Copyright (c) nl1d contributors. All rights reserved.
from typing import Dict, Optional, Tuple, Union

import torch.nn as nn
from mmengine.model.weight_init import normal_init
from torch import Tensor

from mmaction.models.heads import BaseHead
from mmaction.registry import MODELS
from ..layers.masking import masked_avg_pool, masked_max_pool


@MODELS.register_module()
class SignalHead(BaseHead):
    """Classification head for 1D signal features.

    Global pooling over the length axis, dropout, then a linear classifier,
    as in the non-local paper's recipe (dropout 0.5 after global pooling).
    Loss, top-k logging and clip averaging (``average_clips``) come from
    mmaction's :class:`BaseHead`.

    Args:
        num_classes (int): Number of classes to be classified.
        in_channels (int): Number of channels in the input feature.
        loss_cls (dict, optional): Config for building the loss.
            Defaults to None, meaning ``dict(type='CrossEntropyLoss')``.
        spatial_type (str): Pooling over the length axis, ``'avg'`` or
            ``'max'``. Defaults to ``'avg'``.
        dropout_ratio (float): Probability of dropout. Defaults to 0.5.
        init_std (float): Std of the normal init of the fc layer.
            Defaults to 0.01.
        topk (int or tuple[int]): Top-k accuracy logged during training.
            Defaults to ``(1, )``: with fewer than 5 classes top-5 would
            read a meaningless 1.0.
        average_clips (str, optional): How clip scores of one record are
            averaged at test time: ``'prob'``, ``'score'`` or None.
            Defaults to ``'prob'``.
        kwargs (dict, optional): Any keyword argument of :class:`BaseHead`.
    """

    def __init__(self,
                 num_classes: int,
                 in_channels: int,
                 loss_cls: Optional[Dict] = None,
                 spatial_type: str = 'avg',
                 dropout_ratio: float = 0.5,
                 init_std: float = 0.01,
                 topk: Union[int, Tuple[int]] = (1, ),
                 average_clips: Optional[str] = 'prob',
                 **kwargs) -> None:
        if loss_cls is None:
            loss_cls = dict(type='CrossEntropyLoss')
        super().__init__(
            num_classes,
            in_channels,
            loss_cls=loss_cls,
            topk=topk,
            average_clips=average_clips,
            **kwargs)
        if spatial_type == 'avg':
            self.pool = nn.AdaptiveAvgPool1d(1)
        elif spatial_type == 'max':
            self.pool = nn.AdaptiveMaxPool1d(1)
        else:
            raise ValueError(f"SignalHead: spatial_type must be 'avg' or "
                             f"'max', got {spatial_type!r}.")
        self.spatial_type = spatial_type
        self.dropout_ratio = dropout_ratio
        self.init_std = init_std
        self.dropout = nn.Dropout(p=dropout_ratio) if dropout_ratio else None
        self.fc_cls = nn.Linear(in_channels, num_classes)

    def init_weights(self) -> None:
        """Initiate the parameters from scratch."""
        normal_init(self.fc_cls, std=self.init_std)

    def forward(self,
                x: Tensor,
                lengths: Optional[Tensor] = None,
                **kwargs) -> Tensor:
        """Defines the computation performed at every call.

        Args:
            x (Tensor): Features, (N, C, L).
            lengths (Tensor, optional): (N,) valid lengths of a right-padded
                batch: the pooling covers valid positions only. Defaults to
                None (all positions).

        Returns:
            Tensor: Classification scores, (N, num_classes).
        """
        if x.dim() != 3 or x.shape[1] != self.in_channels:
            raise ValueError(
                f'SignalHead expects features of shape (N, {self.in_channels}'
                f', L), got {tuple(x.shape)}. Set the head\'s in_channels to '
                'the channels of the backbone/neck output (512 for ResNet1d '
                'depth 18/34, 2048 for 50/101).')
        if lengths is None:
            x = self.pool(x).flatten(1)  # (N, C, L) -> (N, C)
        elif self.spatial_type == 'avg':
            x = masked_avg_pool(x, lengths)  # (N, C)
        else:
            x = masked_max_pool(x, lengths)  # (N, C)
        if self.dropout is not None:
            x = self.dropout(x)
        # float32 scores under autocast: the loss, the top-k accuracy of the
        # training log (numpy) and the clip averaging need them
        return self.fc_cls(x).float()  # (N, num_classes)
