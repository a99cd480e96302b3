# Copyright (c) nl1d contributors. All rights reserved.
from typing import List, Optional, Sequence, Tuple, Union

import torch
from mmengine.model import stack_batch

from mmaction.models.data_preprocessors import ActionDataPreprocessor
from mmaction.registry import MODELS
from mmaction.utils import SampleList


@MODELS.register_module()
class SignalDataPreprocessor(ActionDataPreprocessor):
    """Data pre-processor for 1D signals in ``NCL`` format.

    mmaction's :class:`ActionDataPreprocessor` only knows ``NCHW``/``NCTHW``
    once ``mean``/``std`` are set; this subclass adds ``NCL``: per-channel
    normalisation of a batch (N, num_clips, C, L). Stacking, casting to
    float32 and batch blending are the parent's.

    Records of different lengths: inputs of different ``L`` are
    right-padded with zeros to the longest, and each data sample without a
    ``valid_length`` (set by :func:`~nl1d.datasets.pad_collate`) gets its
    own ``L``. Padded positions stay zero after normalisation, and the
    recognizer masks them.

    Args:
        mean (Sequence[float], optional): Per-channel mean, one value per
            signal channel. Defaults to None (no normalisation).
        std (Sequence[float], optional): Per-channel std. Defaults to None.
        to_float32 (bool): Whether to cast inputs to float32.
            Defaults to True.
        blending (dict, optional): Config for batch blending (e.g. MixUp).
            Defaults to None.
        format_shape (str): Only ``'NCL'`` is supported. Defaults to
            ``'NCL'``.
    """

    def __init__(self,
                 mean: Optional[Sequence[Union[float, int]]] = None,
                 std: Optional[Sequence[Union[float, int]]] = None,
                 to_float32: bool = True,
                 blending: Optional[dict] = None,
                 format_shape: str = 'NCL') -> None:
        if format_shape != 'NCL':
            raise ValueError(
                f'SignalDataPreprocessor: format_shape must be "NCL", got '
                f'{format_shape!r}. Use mmaction\'s ActionDataPreprocessor '
                'for images and videos.')
        if (mean is None) != (std is None):
            raise ValueError('SignalDataPreprocessor: give both `mean` and '
                             '`std` (one value per channel) or neither.')
        # The parent only builds normalisers for image/video formats.
        super().__init__(
            to_float32=to_float32, blending=blending, format_shape='NCHW')
        self.format_shape = format_shape
        if mean is not None:
            if len(mean) != len(std):
                raise ValueError(
                    f'SignalDataPreprocessor: `mean` has {len(mean)} values '
                    f'but `std` has {len(std)}; give one per channel.')
            self._enable_normalize = True
            self.register_buffer(
                'mean',
                torch.tensor(mean, dtype=torch.float32).view(-1, 1), False)
            self.register_buffer(
                'std',
                torch.tensor(std, dtype=torch.float32).view(-1, 1), False)

    def preprocess(self,
                   inputs: List[torch.Tensor],
                   data_samples: SampleList,
                   training: bool = False) -> Tuple:
        """Stack, normalise and blend one batch.

        Args:
            inputs (list[Tensor]): Each (num_clips, C, L).
            data_samples (list[ActionDataSample]): The batch's samples.
            training (bool): Whether to apply batch blending.

        Returns:
            tuple: The batch (N, num_clips, C, L) and the data samples.
        """
        lengths = [t.shape[-1] for t in inputs]
        if data_samples is not None and len(set(lengths)) > 1:
            for sample, length in zip(data_samples, lengths):
                if 'valid_length' not in sample.metainfo:
                    sample.set_metainfo(dict(valid_length=length))
        batch_inputs = stack_batch(inputs)  # (N, num_clips, C, L)
        if self._enable_normalize:
            if batch_inputs.shape[-2] != self.mean.shape[0]:
                raise ValueError(
                    f'SignalDataPreprocessor: {self.mean.shape[0]} channel '
                    f'means/stds given but the signals have '
                    f'{batch_inputs.shape[-2]} channels; fix `mean`/`std` in '
                    'the data_preprocessor config.')
            batch_inputs = (batch_inputs - self.mean) / self.std
        elif self.to_float32:
            batch_inputs = batch_inputs.to(torch.float32)
        valid = self._valid_lengths(batch_inputs, data_samples)
        if valid is not None:
            positions = torch.arange(
                batch_inputs.shape[-1], device=batch_inputs.device)
            mask = positions < valid[:, None]  # (N, L)
            batch_inputs = batch_inputs * mask[:, None, None]  # padding = 0
        if training and self.blending is not None:
            if valid is not None:
                raise ValueError(
                    'SignalDataPreprocessor: batch blending (e.g. MixUp) '
                    'would mix records of different lengths and their '
                    'padding; drop `blending` for padded batches, or train '
                    'on fixed windows (SampleWindows(clip_len=...)).')
            batch_inputs, data_samples = self.blending(batch_inputs,
                                                       data_samples)
        return batch_inputs, data_samples

    @staticmethod
    def _valid_lengths(batch_inputs: torch.Tensor,
                       data_samples: SampleList) -> Optional[torch.Tensor]:
        """(N,) valid lengths of a padded batch, None when none is
        padded."""
        if not data_samples:
            return None
        length = batch_inputs.shape[-1]
        valid = [s.metainfo.get('valid_length', length) for s in data_samples]
        if all(v == length for v in valid):
            return None
        return torch.as_tensor(valid, device=batch_inputs.device)
