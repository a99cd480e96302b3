# Copyright (c) nl1d contributors. All rights reserved.
"""Packing windows and labels for the model."""
from typing import Sequence

import numpy as np
import torch
from mmaction.registry import TRANSFORMS
from mmaction.structures import ActionDataSample
from mmcv.transforms import BaseTransform


@TRANSFORMS.register_module()
class PackSignalInputs(BaseTransform):
    """Pack signal windows into ``inputs`` and an ``ActionDataSample``.

    The signal counterpart of mmaction's ``PackActionInputs``, which only
    knows image, keypoint, audio and text keys.

    Required Keys:

        - signal: (num_clips, C, L) windows, or a (C, T) record (packed as
          one clip)
        - label (optional)

    Added Keys:

        - inputs: (num_clips, C, L) float32 Tensor
        - data_samples: ``ActionDataSample`` with ``gt_label`` and the meta
          keys found in ``results``

    Args:
        meta_keys (Sequence[str]): Keys copied into the data sample's
            metainfo when present. Defaults to ``('filename', 'num_samples',
            'sampling_rate', 'num_channels', 'clip_len', 'num_clips',
            'frame_inds', 'sample_idx')``.
    """

    def __init__(self,
                 meta_keys: Sequence[str] = ('filename', 'num_samples',
                                             'sampling_rate', 'num_channels',
                                             'clip_len', 'num_clips',
                                             'frame_inds', 'sample_idx')
                 ) -> None:
        self.meta_keys = tuple(meta_keys)

    def transform(self, results: dict) -> dict:
        """Pack ``results``.

        Args:
            results (dict): The result dict, with ``signal``.

        Returns:
            dict: ``inputs`` (num_clips, C, L) and ``data_samples``.
        """
        if 'signal' not in results:
            raise KeyError(
                'PackSignalInputs found no `signal` in the results: put '
                'LoadSignal (and SampleWindows) before it in the pipeline.')
        signal = results['signal']
        if signal.ndim == 2:  # (C, T): a whole record as one clip
            signal = signal[None]
        if signal.ndim != 3:
            raise ValueError(
                f'PackSignalInputs expects signal (num_clips, C, L) or (C, T),'
                f' got shape {signal.shape} for {results.get("filename")}.')
        signal = np.ascontiguousarray(signal, dtype=np.float32)
        if not signal.flags.writeable:  # a memory-mapped record
            signal = signal.copy()
        inputs = torch.from_numpy(signal)  # (num_clips, C, L)
        data_sample = ActionDataSample()
        if 'label' in results:
            data_sample.set_gt_label(results['label'])
        data_sample.set_metainfo(
            {k: results[k]
             for k in self.meta_keys if k in results})
        return dict(inputs=inputs, data_samples=data_sample)

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(meta_keys={self.meta_keys})'
