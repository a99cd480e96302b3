# Copyright (c) nl1d contributors. All rights reserved.
"""Z-score normalisation of a record or of each window."""
import numpy as np
from mmaction.registry import TRANSFORMS
from mmcv.transforms import BaseTransform


@TRANSFORMS.register_module()
class ZScoreNormalize(BaseTransform):
    """Subtract the mean and divide by the standard deviation per channel.

    - ``mode='record'``: statistics over the whole record. Put it between
      ``LoadSignal`` and ``SampleWindows`` (the signal must be (C, T)); it
      reads the whole record.
    - ``mode='window'``: statistics over each window separately. Put it
      after ``SampleWindows`` (the signal must be (num_clips, C, L)).

    A flat channel (standard deviation below ``eps``) is only centred.

    Required Keys:

        - signal: (C, T) for ``'record'``, (num_clips, C, L) for
          ``'window'``

    Modified Keys:

        - signal: same shape, float32

    Args:
        mode (str): ``'record'`` or ``'window'``. Defaults to ``'window'``.
        eps (float): Smallest standard deviation divided by.
            Defaults to 1e-6.
    """

    def __init__(self, mode: str = 'window', eps: float = 1e-6) -> None:
        if mode not in ('record', 'window'):
            raise ValueError(f'ZScoreNormalize(mode={mode!r}) must be '
                             "'record' or 'window'.")
        self.mode = mode
        self.eps = eps

    def transform(self, results: dict) -> dict:
        """Normalise ``results['signal']``.

        Args:
            results (dict): The result dict.

        Returns:
            dict: ``results`` with the normalised signal.
        """
        signal = results['signal']
        ndim = 2 if self.mode == 'record' else 3
        if signal.ndim != ndim:
            where = ('between LoadSignal and SampleWindows'
                     if self.mode == 'record' else 'after SampleWindows')
            raise ValueError(
                f"ZScoreNormalize(mode='{self.mode}') expects a signal with "
                f'{ndim} dimensions, got shape {signal.shape}: put it '
                f'{where}.')
        signal = np.asarray(signal, dtype=np.float64)
        mean = signal.mean(axis=-1, keepdims=True)  # (..., C, 1)
        std = signal.std(axis=-1, keepdims=True)  # (..., C, 1)
        std = np.where(std < self.eps, 1.0, std)
        results['signal'] = ((signal - mean) / std).astype(np.float32)
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(mode={self.mode!r}, '
                f'eps={self.eps})')
