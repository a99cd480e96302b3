# Copyright (c) nl1d contributors. All rights reserved.
"""Random augmentations of signal windows.

Every transform here works on ``signal`` of shape (..., C, L) — normally the
(num_clips, C, clip_len) windows from ``SampleWindows`` — draws its random
numbers independently for each window (each index of the leading
dimensions) from ``np.random`` (seeded per worker by mmengine), applies
itself to a window with probability ``prob`` and returns a float32 copy.
For reproducible tests the draws happen in a fixed order, documented per
transform, whether or not a window is augmented. A length argument
(``max_shift``, ``max_len``) counts samples when it is an int and is a
fraction of the window length when it is a float.
"""
from typing import Tuple, Union

import numpy as np
from mmaction.registry import TRANSFORMS
from mmcv.transforms import BaseTransform


def _in_samples(size: Union[int, float], length: int) -> int:
    """A length argument in samples: an int as is, a float as a fraction
    of the window length ``length``, clipped to ``[0, length]``."""
    samples = int(size * length) if isinstance(size, float) else int(size)
    return max(0, min(samples, length))


class _WindowAugment(BaseTransform):
    """Reshape to (W, C, L), pick the windows to change, augment, restore.

    Every window augmentation reads and writes one key (documented here once
    for all of them):

    Required Keys:

        - signal: (..., C, L)

    Modified Keys:

        - signal: float32, same shape

    Args:
        prob (float): Probability of augmenting each window.
            Defaults to 1.0.
    """

    def __init__(self, prob: float = 1.0) -> None:
        if not 0 <= prob <= 1:
            raise ValueError(f'{self.__class__.__name__}(prob={prob}) must '
                             'lie in [0, 1].')
        self.prob = prob

    def _augment(self, windows: np.ndarray, results: dict) -> np.ndarray:
        """Augment every window of ``windows`` (W, C, L)."""
        raise NotImplementedError

    def transform(self, results: dict) -> dict:
        """Augment ``results['signal']``.

        Args:
            results (dict): The result dict.

        Returns:
            dict: ``results`` with the augmented float32 signal.
        """
        signal = results['signal']
        if signal.ndim < 2:
            raise ValueError(
                f'{self.__class__.__name__} expects a signal (..., C, L), '
                f'got shape {signal.shape}.')
        shape = signal.shape
        windows = np.array(signal, dtype=np.float32).reshape(
            -1, *shape[-2:])  # (W, C, L)
        chosen = np.random.rand(len(windows)) < self.prob  # (W,)
        augmented = self._augment(windows.copy(), results)  # (W, C, L)
        windows[chosen] = augmented[chosen]
        results['signal'] = windows.reshape(shape)
        return results

    def __repr__(self) -> str:
        args = ', '.join(f'{k}={v!r}' for k, v in vars(self).items())
        return f'{self.__class__.__name__}({args})'


@TRANSFORMS.register_module()
class RandomAmplitudeScale(_WindowAugment):
    """Multiply each window by a random factor.

    Draws: ``rand(W)`` (which windows), then ``uniform(low, high, (W, C', 1))``
    with C' = C if ``per_channel`` else 1.

    Keys: ``signal``, as every window augmentation (:class:`_WindowAugment`).

    Args:
        scale_range (tuple[float, float]): Range of the factor.
            Defaults to (0.8, 1.25).
        per_channel (bool): One factor per channel instead of one per
            window. Defaults to False.
        prob (float): Probability of scaling each window. Defaults to 1.0.
    """

    def __init__(self,
                 scale_range: Tuple[float, float] = (0.8, 1.25),
                 per_channel: bool = False,
                 prob: float = 1.0) -> None:
        super().__init__(prob)
        self.scale_range = tuple(scale_range)
        self.per_channel = per_channel

    def _augment(self, windows: np.ndarray, results: dict) -> np.ndarray:
        num, channels, _ = windows.shape
        scale = np.random.uniform(
            *self.scale_range,
            size=(num, channels if self.per_channel else 1, 1))
        return windows * scale.astype(np.float32)


@TRANSFORMS.register_module()
class GaussianNoise(_WindowAugment):
    """Add white Gaussian noise.

    Draws: ``rand(W)``, then ``normal(0, std, (W, C, L))``.

    Keys: ``signal``, as every window augmentation (:class:`_WindowAugment`).

    Args:
        std (float): Noise standard deviation, in signal units (relative to
            the signal's after ``ZScoreNormalize``). Defaults to 0.05.
        prob (float): Probability of adding noise to each window.
            Defaults to 1.0.
    """

    def __init__(self, std: float = 0.05, prob: float = 1.0) -> None:
        super().__init__(prob)
        self.std = std

    def _augment(self, windows: np.ndarray, results: dict) -> np.ndarray:
        noise = np.random.normal(0.0, self.std, size=windows.shape)
        return windows + noise.astype(np.float32)


@TRANSFORMS.register_module()
class BaselineWander(_WindowAugment):
    """Add a slow sinusoidal drift, as breathing or electrode motion does.

    Each window gets ``a * sin(2 pi f t + phi)`` on every channel, with
    ``t`` in seconds from the window's start.

    Draws: ``rand(W)``, then ``uniform(0, max_amplitude, W)`` (a),
    ``uniform(*freq_range, W)`` (f), ``uniform(0, 2 pi, W)`` (phi).

    Keys: ``signal``, as every window augmentation (:class:`_WindowAugment`);
    also requires ``sampling_rate`` (Hz).

    Args:
        max_amplitude (float): Largest amplitude, in signal units.
            Defaults to 0.1.
        freq_range (tuple[float, float]): Frequency range in Hz.
            Defaults to (0.05, 0.5).
        prob (float): Probability of adding drift to each window.
            Defaults to 1.0.
    """

    def __init__(self,
                 max_amplitude: float = 0.1,
                 freq_range: Tuple[float, float] = (0.05, 0.5),
                 prob: float = 1.0) -> None:
        super().__init__(prob)
        self.max_amplitude = max_amplitude
        self.freq_range = tuple(freq_range)

    def _augment(self, windows: np.ndarray, results: dict) -> np.ndarray:
        rate = results.get('sampling_rate')
        if rate is None:
            raise ValueError(
                'BaselineWander needs the sampling rate: set `sampling_rate` '
                '(Hz) in the SignalDataset config.')
        num, _, length = windows.shape
        amplitude = np.random.uniform(0, self.max_amplitude, num)
        freq = np.random.uniform(*self.freq_range, num)
        phase = np.random.uniform(0, 2 * np.pi, num)
        t = np.arange(length) / rate  # (L,) seconds
        drift = amplitude[:, None] * np.sin(
            2 * np.pi * freq[:, None] * t[None] + phase[:, None])  # (W, L)
        return windows + drift[:, None, :].astype(np.float32)


@TRANSFORMS.register_module()
class RandomTimeShift(_WindowAugment):
    """Shift each window in time by a random number of samples.

    A shift ``s > 0`` delays the window: ``out[..., t] = in[..., t - s]``.
    ``mode='roll'`` wraps the samples pushed out round to the other end;
    ``mode='constant'`` fills the vacated samples with zeros.

    Draws: ``rand(W)``, then ``randint(-m, m + 1, W)`` with ``m`` the
    largest shift in samples.

    Keys: ``signal``, as every window augmentation (:class:`_WindowAugment`).

    Args:
        max_shift (int | float): Largest shift (a length: samples, or a
            fraction of the window). Defaults to 0.1.
        mode (str): ``'roll'`` or ``'constant'``. Defaults to ``'roll'``.
        prob (float): Probability of shifting each window. Defaults to 1.0.
    """

    def __init__(self,
                 max_shift: Union[int, float] = 0.1,
                 mode: str = 'roll',
                 prob: float = 1.0) -> None:
        super().__init__(prob)
        if mode not in ('roll', 'constant'):
            raise ValueError(f"RandomTimeShift(mode={mode!r}) must be 'roll' "
                             "or 'constant'.")
        self.max_shift = max_shift
        self.mode = mode

    def _augment(self, windows: np.ndarray, results: dict) -> np.ndarray:
        num, _, length = windows.shape
        limit = _in_samples(self.max_shift, length)
        shifts = np.random.randint(-limit, limit + 1, num)
        out = np.empty_like(windows)
        for i, shift in enumerate(shifts):
            out[i] = np.roll(windows[i], shift, axis=-1)
            if self.mode == 'constant' and shift > 0:
                out[i, :, :shift] = 0
            elif self.mode == 'constant' and shift < 0:
                out[i, :, shift:] = 0
        return out


@TRANSFORMS.register_module()
class RandomMask(_WindowAugment):
    """Set random stretches of each window to a constant (all channels).

    Draws: ``rand(W)``, then for each window in turn and each of its
    ``num_masks`` masks: ``randint(1, max_len + 1)`` (length), then
    ``randint(0, L - length + 1)`` (start).

    Keys: ``signal``, as every window augmentation (:class:`_WindowAugment`).

    Args:
        max_len (int | float): Longest mask (a length: samples, or a
            fraction of the window). Defaults to 0.1.
        num_masks (int): Masks per window (they may overlap).
            Defaults to 1.
        value (float): The value written. Defaults to 0.0.
        prob (float): Probability of masking each window. Defaults to 1.0.
    """

    def __init__(self,
                 max_len: Union[int, float] = 0.1,
                 num_masks: int = 1,
                 value: float = 0.0,
                 prob: float = 1.0) -> None:
        super().__init__(prob)
        self.max_len = max_len
        self.num_masks = num_masks
        self.value = value

    def _augment(self, windows: np.ndarray, results: dict) -> np.ndarray:
        num, _, length = windows.shape
        longest = max(1, _in_samples(self.max_len, length))
        for i in range(num):
            for _ in range(self.num_masks):
                size = np.random.randint(1, longest + 1)
                start = np.random.randint(0, length - size + 1)
                windows[i, :, start:start + size] = self.value
        return windows
