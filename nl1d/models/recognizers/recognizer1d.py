# Copyright (c) nl1d contributors. All rights reserved.
from typing import Tuple

import torch
from torch import Tensor

from mmaction.models.recognizers import Recognizer3D
from mmaction.registry import MODELS
from mmaction.utils import OptSampleList


@MODELS.register_module()
class Recognizer1D(Recognizer3D):
    """Recognizer for 1D signals: backbone, optional neck, head.

    Everything but feature extraction is mmaction's :class:`Recognizer3D`
    (loss, predict with clip averaging in the head, data preprocessing).
    Inputs are (N, num_clips, C, L) and are folded to (N * num_clips, C, L)
    before the backbone, as Recognizer3D folds video clips.

    Unlike mmaction's necks, which return ``(x, loss_aux)``, a neck here may
    return a plain Tensor: :class:`NonLocal1d` is the same module inside a
    backbone and after it (and state-dict compatible with mmcv's block), so
    it returns a Tensor; both forms are accepted.

    ``test_cfg=dict(max_testing_views=K)`` runs the clips of a record K at a
    time to bound memory on long signals (batch size 1 at test).
    """

    def _neck(self, x: Tensor, data_samples: OptSampleList = None
              ) -> Tuple[Tensor, dict]:
        """Apply the neck; normalise its output to ``(x, loss_aux)``."""
        out = self.neck(x, data_samples=data_samples)
        if isinstance(out, tuple):
            return out
        return out, dict()

    def _backbone_neck(self, inputs: Tensor) -> Tensor:
        x = self.backbone(inputs)
        if self.with_neck:
            x, _ = self._neck(x)
        return x

    def extract_feat(self,
                     inputs: Tensor,
                     stage: str = 'neck',
                     data_samples: OptSampleList = None,
                     test_mode: bool = False) -> tuple:
        """Extract features of different stages.

        Args:
            inputs (Tensor): (N, num_clips, C, L).
            stage (str): Which stage to output the feature: ``'backbone'``,
                ``'neck'`` or ``'head'``. Defaults to ``'neck'``.
            data_samples (list[ActionDataSample], optional): Only needed in
                training. Defaults to None.
            test_mode (bool): Whether in test mode. Defaults to False.

        Returns:
            tuple: The features (N * num_clips, C', L') (or the head's
            scores) and a dict of kwargs for the head's ``loss``/``predict``
            (``loss_aux`` in training).
        """
        loss_predict_kwargs = dict()
        num_clips = inputs.shape[1]
        # (N, num_clips, C, L) -> (N * num_clips, C, L)
        inputs = inputs.reshape((-1, ) + inputs.shape[2:])

        if test_mode:
            max_views = (self.test_cfg or {}).get('max_testing_views')
            if max_views:
                if not isinstance(max_views, int) or max_views < 1:
                    raise ValueError(
                        'model.test_cfg.max_testing_views must be a positive '
                        f'int, got {max_views!r}.')
                if num_clips != inputs.shape[0]:
                    raise ValueError(
                        'model.test_cfg.max_testing_views needs test '
                        'batch_size=1 (set test_dataloader.batch_size=1).')
                x = torch.cat([
                    self._backbone_neck(inputs[i:i + max_views])
                    for i in range(0, inputs.shape[0], max_views)
                ])  # (num_clips, C', L')
            else:
                x = self._backbone_neck(inputs)  # (N * num_clips, C', L')
            return x, loss_predict_kwargs

        x = self.backbone(inputs)  # (N * num_clips, C', L')
        if stage == 'backbone':
            return x, loss_predict_kwargs
        loss_aux = dict()
        if self.with_neck:
            x, loss_aux = self._neck(x, data_samples=data_samples)
        loss_predict_kwargs['loss_aux'] = loss_aux
        if stage == 'neck':
            return x, loss_predict_kwargs
        if self.with_cls_head and stage == 'head':
            x = self.cls_head(x, **loss_predict_kwargs)  # (N * num_clips, K)
        return x, loss_predict_kwargs
