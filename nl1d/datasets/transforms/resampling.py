# Copyright (c) nl1d contributors. All rights reserved.
"""Resampling a record to a target sampling rate."""
from fractions import Fraction
from typing import Optional, Tuple

import numpy as np
from mmaction.registry import TRANSFORMS
from mmcv.transforms import BaseTransform
from scipy.signal import resample_poly


@TRANSFORMS.register_module()
class ResampleSignal(BaseTransform):
    """Resample a signal to ``target_rate`` with a polyphase filter.

    ``scipy.signal.resample_poly`` with ``up / down`` = ``target_rate /
    sampling_rate`` as a reduced fraction (anti-aliasing FIR filter, so
    downsampling does not fold high frequencies back). Put it before
    ``SampleWindows``, so ``clip_len`` counts samples at ``target_rate``;
    it reads the whole record.

    Required Keys:

        - signal: (..., T) array, normally the (C, T) record
        - sampling_rate

    Modified Keys:

        - signal: (..., T') float32 with T' = ceil(T * up / down)
        - sampling_rate: ``target_rate``
        - num_samples, total_frames: T' (when present)

    Args:
        target_rate (float): Output sampling rate in Hz.
        max_denominator (int): Bound on ``down`` when the rate ratio is not
            a simple fraction (``Fraction.limit_denominator``).
            Defaults to 1000.
        window (str | tuple): FIR window passed to ``resample_poly``.
            Defaults to ``('kaiser', 5.0)``.
    """

    def __init__(self,
                 target_rate: float,
                 max_denominator: int = 1000,
                 window: Tuple = ('kaiser', 5.0)) -> None:
        if target_rate <= 0:
            raise ValueError(
                f'ResampleSignal needs target_rate > 0 Hz, got {target_rate}.')
        self.target_rate = target_rate
        self.max_denominator = max_denominator
        self.window = window

    def _ratio(self, sampling_rate: Optional[float]) -> Tuple[int, int]:
        """``(up, down)`` for a record at ``sampling_rate``."""
        if sampling_rate is None:
            raise ValueError(
                'ResampleSignal needs the record\'s sampling rate: set '
                '`sampling_rate` (Hz) in the SignalDataset config.')
        ratio = Fraction(self.target_rate / sampling_rate).limit_denominator(
            self.max_denominator)
        return ratio.numerator, ratio.denominator

    def output_length(self, num_samples: int,
                      sampling_rate: Optional[float]) -> int:
        """Length of a record of ``num_samples`` after resampling.

        Args:
            num_samples (int): Input length T.
            sampling_rate (float, optional): Input rate in Hz.

        Returns:
            int: ceil(T * up / down), as ``resample_poly`` returns.
        """
        up, down = self._ratio(sampling_rate)
        return -(-num_samples * up // down)

    def transform(self, results: dict) -> dict:
        """Resample ``results['signal']`` along its last axis.

        Args:
            results (dict): The result dict.

        Returns:
            dict: ``results`` with the resampled signal.
        """
        up, down = self._ratio(results.get('sampling_rate'))
        if up != down:
            signal = resample_poly(
                np.asarray(results['signal'], dtype=np.float32), up, down,
                axis=-1, window=self.window)  # (..., T')
            results['signal'] = signal.astype(np.float32, copy=False)
            length = signal.shape[-1]
            for key in ('num_samples', 'total_frames'):
                if key in results:
                    results[key] = length
        results['sampling_rate'] = self.target_rate
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(target_rate={self.target_rate}, '
                f'max_denominator={self.max_denominator}, '
                f'window={self.window})')
