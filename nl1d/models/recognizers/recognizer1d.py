# Copyright (c) nl1d contributors. All rights reserved.
import inspect
from typing import Optional

import torch
from torch import Tensor

from mmaction.models.recognizers import Recognizer3D
from mmaction.registry import MODELS
from mmaction.utils import (ConfigType, OptConfigType, OptSampleList,
                            SampleList)
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

    Padded batches: when the data samples carry ``valid_length`` (their
    length before :func:`~nl1d.datasets.pad_collate` padded the batch, or
    :class:`~nl1d.models.SignalDataPreprocessor` stacked ragged inputs),
    the lengths go to the backbone (``forward(x, lengths)``), the neck and
    the head, which then ignore the padding: a record scores the same alone
    or batched with longer records. Batches without padding run unchanged.

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

    @staticmethod
    def _lengths(inputs: Tensor, data_samples: OptSampleList,
                 num_clips: int) -> Optional[Tensor]:
        """Valid length of each clip, or None when nothing is padded.

        Args:
            inputs (Tensor): (N * num_clips, C, L).
            data_samples (list[ActionDataSample], optional): The batch.
            num_clips (int): Clips per sample.

        Returns:
            Tensor | None: (N * num_clips,) int64.
        """
        if not data_samples:
            return None
        length = inputs.shape[-1]
        valid = [
            sample.metainfo.get('valid_length', length)
            for sample in data_samples
        ]
        if all(v == length for v in valid):
            return None
        lengths = torch.as_tensor(valid, dtype=torch.long,
                                  device=inputs.device)
        return lengths.repeat_interleave(num_clips)  # (N * num_clips,)

    def _check_masking(self) -> None:
        """Refuse padded batches for modules that cannot mask them."""
        parts = [('backbone', self.backbone)]
        if self.with_neck:
            parts.append(('neck', self.neck))
        if self.with_cls_head:
            parts.append(('cls_head', self.cls_head))
        for name, module in parts:
            if 'lengths' not in inspect.signature(module.forward).parameters:
                raise ValueError(
                    f'model.{name} ({type(module).__name__}) cannot ignore '
                    'the padding of a batch of records of different lengths '
                    '(its forward takes no `lengths`). Use ResNet1d, '
                    'NonLocalNeck1d and SignalHead, or batches of equal '
                    'lengths (batch_size=1 or fixed clip_len).')

    def _features(self, inputs: Tensor, lengths: Optional[Tensor],
                  data_samples: OptSampleList = None) -> tuple:
        """Backbone then neck.

        Args:
            inputs (Tensor): (B, C, L).
            lengths (Tensor, optional): (B,) valid lengths.
            data_samples (list[ActionDataSample], optional): For the neck.

        Returns:
            tuple: features (B, C', L'), their valid lengths (B,) or None,
            and the neck's ``loss_aux``.
        """
        loss_aux = dict()
        if lengths is None:
            x = self.backbone(inputs)  # (B, C', L')
            if self.with_neck:
                x, loss_aux = self.neck(x, data_samples=data_samples)
            return x, None, loss_aux
        self._check_masking()
        x = self.backbone(inputs, lengths)  # (B, C', L')
        lengths = self.backbone.out_lengths(lengths)  # (B,)
        if self.with_neck:
            x, loss_aux = self.neck(
                x, data_samples=data_samples, lengths=lengths)
        return x, lengths, loss_aux

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
            data_samples (list[ActionDataSample], optional): The batch's
                samples: labels in training, ``valid_length`` of padded
                batches. Defaults to None.
            test_mode (bool): Whether in test mode. Defaults to False.

        Returns:
            tuple: The features (N * num_clips, C', L') (or the head's
            scores) and a dict of kwargs for the head's ``loss``/``predict``
            (``loss_aux`` in training, ``lengths`` of padded batches).
        """
        loss_predict_kwargs = dict()
        num_clips = inputs.shape[1]
        # (N, num_clips, C, L) -> (N * num_clips, C, L)
        inputs = inputs.reshape((-1, ) + inputs.shape[2:])
        lengths = self._lengths(inputs, data_samples, num_clips)

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
                parts = [
                    self._features(
                        inputs[i:i + max_views],
                        None if lengths is None else lengths[i:i + max_views])
                    for i in range(0, inputs.shape[0], max_views)
                ]
                x = torch.cat([part[0] for part in parts])  # (clips, C', L')
                if lengths is not None:
                    lengths = torch.cat([part[1] for part in parts])
            else:
                x, lengths, _ = self._features(inputs, lengths)
            if lengths is not None:
                loss_predict_kwargs['lengths'] = lengths
            return x, loss_predict_kwargs

        if stage == 'backbone':
            if lengths is None:
                return self.backbone(inputs), loss_predict_kwargs
            self._check_masking()
            loss_predict_kwargs['lengths'] = self.backbone.out_lengths(
                lengths)
            return self.backbone(inputs, lengths), loss_predict_kwargs
        x, lengths, loss_aux = self._features(inputs, lengths, data_samples)
        loss_predict_kwargs['loss_aux'] = loss_aux
        if lengths is not None:
            loss_predict_kwargs['lengths'] = lengths
        if stage == 'neck':
            return x, loss_predict_kwargs
        if self.with_cls_head and stage == 'head':
            x = self.cls_head(x, **loss_predict_kwargs)  # (N * num_clips, K)
        return x, loss_predict_kwargs

    def predict(self, inputs: Tensor, data_samples: SampleList,
                **kwargs) -> SampleList:
        """Predict scores of a batch (as :class:`Recognizer3D`, with the
        data samples' ``valid_length`` reaching the model).

        Args:
            inputs (Tensor): (N, num_clips, C, L).
            data_samples (list[ActionDataSample]): The batch's samples.

        Returns:
            list[ActionDataSample]: The samples with ``pred_score``.
        """
        feats, predict_kwargs = self.extract_feat(
            inputs, data_samples=data_samples, test_mode=True)
        return self.cls_head.predict(feats, data_samples, **predict_kwargs)
