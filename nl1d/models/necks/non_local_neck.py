# Copyright (c) nl1d contributors. All rights reserved.
"""A non-local block after the backbone, as a recognizer neck."""
from typing import Optional, Tuple

from torch import Tensor

from mmaction.registry import MODELS
from mmaction.utils import OptSampleList
from ..layers import NonLocal1d


@MODELS.register_module()
class NonLocalNeck1d(NonLocal1d):
    """:class:`~nl1d.models.layers.NonLocal1d` with mmaction's neck
    interface: ``forward(x, data_samples=None)`` returns ``(x, loss_aux)``,
    as :class:`~mmaction.models.recognizers.Recognizer3D` expects.

    Arguments, parameters and state-dict keys are the block's (and so
    :class:`mmcv.cnn.NonLocal1d`'s): a recognizer's ``neck.g.conv.weight``,
    ``neck.theta.conv.weight``, ``neck.conv_out.bn.weight``, ... load
    unchanged, and the block's methods (``attention_map``, ``init_weights``)
    apply to the neck.

    Examples:
        >>> neck = NonLocalNeck1d(512, mode='embedded_gaussian')
        >>> x = torch.randn(2, 512, 63)  # ResNet1d-18 res5 of 2000 samples
        >>> out, loss_aux = neck(x)
        >>> torch.equal(out, x), loss_aux  # identity at init, no aux loss
        (True, {})
    """

    def forward(self,
                x: Tensor,
                data_samples: OptSampleList = None,
                lengths: Optional[Tensor] = None) -> Tuple[Tensor, dict]:
        """Apply the block to the backbone's output.

        Args:
            x (Tensor): (N, C, L), the backbone's last stage.
            data_samples (list[ActionDataSample], optional): Unused: the
                block adds no auxiliary loss. Defaults to None.
            lengths (Tensor, optional): (N,) valid lengths of a right-padded
                batch (see :meth:`NonLocal1d.forward`). Defaults to None.

        Returns:
            tuple[Tensor, dict]: (N, C, L) features and an empty
            ``loss_aux``.
        """
        if not isinstance(x, Tensor):
            raise TypeError(
                'NonLocalNeck1d takes one Tensor (N, C, L), got '
                f'{type(x).__name__}: give the backbone a single output '
                'stage, e.g. model.backbone.out_indices=(3, ).')
        return super().forward(x, lengths), dict()  # (N, C, L), no aux loss
