# Copyright (c) nl1d contributors. All rights reserved.
import torch
from torch import Tensor

from mmaction.models.recognizers import Recognizer3D
from mmaction.registry import MODELS
from mmaction.utils import ConfigType, OptConfigType, OptSampleList
from ..layers import NonLocal1d


@MODELS.register_module()
class Recognizer1D(Recognizer3D):
    """Recognizer for 1D signals: backbone, optional neck, head.

    Everything but feature extraction is mmaction's :class:`Recognizer3D`
    (loss, predict with clip averaging in the head, data preprocessing).
    Inputs are (N, num_clips, C, L) and are folded to (N * num_clips, C, L)
    before the backbone, as Recognizer3D folds video clips. A neck has
    mmaction's interface, ``neck(x, data_samples=None) -> (x, loss_aux)``
    (e.g. :class:`~nl1d.models.necks.NonLocalNeck1d`).

    ``test_cfg=dict(max_testing_views=K)`` runs the clips of a record K at a
    time to bound memory on long signals (batch size 1 at test).

    Args:
        backbone (dict): Config of the backbone.
        cls_head (dict, optional): Config of the head. Defaults to None.
        neck (dict, optional): Config of the neck. Defaults to None.
        **kwargs: ``train_cfg``, ``test_cfg``, ``data_preprocessor`` of
            :class:`~mmaction.models.recognizers.BaseRecognizer`.
    """

    def __init__(self,
                 backbone: ConfigType,
                 cls_head: OptConfigType = None,
                 neck: OptConfigType = None,
                 **kwargs) -> None:
        neck_type = None if neck is None else neck.get('type')
        if neck_type is NonLocal1d or neck_type in ('NonLocal1d',
                                                    'mmaction.NonLocal1d'):
            raise ValueError(
                "model.neck.type='NonLocal1d' names the non-local block used "
                "inside the backbone (ResNet1d's non_local/non_local_cfg); "
                "the neck after the backbone is type='NonLocalNeck1d', with "
                'the same arguments and the same state-dict keys, so '
                "checkpoints load unchanged. Set model.neck.type="
                "'NonLocalNeck1d' in the config.")
        super().__init__(backbone, cls_head=cls_head, neck=neck, **kwargs)

    def _backbone_neck(self, inputs: Tensor) -> Tensor:
        """Backbone then neck, at test time.

        Args:
            inputs (Tensor): (B, C, L).

        Returns:
            Tensor: (B, C', L').
        """
        x = self.backbone(inputs)  # (B, C', L')
        if self.with_neck:
            x, _ = self.neck(x)  # (B, C', L')
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
            x, loss_aux = self.neck(x, data_samples=data_samples)
        loss_predict_kwargs['loss_aux'] = loss_aux
        if stage == 'neck':
            return x, loss_predict_kwargs
        if self.with_cls_head and stage == 'head':
            x = self.cls_head(x, **loss_predict_kwargs)  # (N * num_clips, K)
        return x, loss_predict_kwargs
