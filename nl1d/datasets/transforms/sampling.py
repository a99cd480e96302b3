# Copyright (c) nl1d contributors. All rights reserved.
"""Taking windows of ``clip_len`` contiguous samples from a record."""
from typing import Optional, Union

import numpy as np
from mmaction.datasets.transforms import SampleFrames
from mmaction.registry import TRANSFORMS

PAD_MODES = ('constant', 'edge', 'wrap', 'reflect')


@TRANSFORMS.register_module()
class SampleWindows(SampleFrames):
    """Sample windows of ``clip_len`` contiguous samples from a record.

    A signal's samples play the role of a video's frames, so the window
    starts are chosen by :class:`mmaction.datasets.transforms.SampleFrames`
    (with ``frame_interval=1``):

    - training (``test_mode=False``): the record is cut into ``num_clips``
      equal segments and each window starts at a random offset inside its
      segment (``num_clips=1``: one random window anywhere in the record);
    - testing (``test_mode=True``): ``num_clips`` windows spread uniformly
      from the start to the end of the record (the first starts at sample 0,
      the last ends at the last sample; one window is centred);
    - sliding testing (``test_mode=True, stride=S``): windows start at
      0, S, 2S, ... as long as they fit, plus one window ending at the last
      sample when the record's tail would otherwise be left out. The number
      of windows then depends on the record length (``num_clips`` is
      ignored), so the test dataloader needs ``batch_size=1``.

    Padding policy: a record shorter than ``clip_len`` gives windows that
    start at sample 0 and hold the whole record followed by padding, filled
    as ``np.pad`` does with ``pad_mode``: ``'constant'`` (zeros, the
    default: the padded part carries no signal), ``'edge'`` (repeat the last
    sample), ``'wrap'`` (repeat the record from its start) or ``'reflect'``.
    :class:`~nl1d.datasets.SignalDataset` refuses a dataset in which *every*
    record is shorter than ``clip_len`` (a sign of a wrong ``clip_len`` or
    sampling rate).

    Required Keys:

        - signal: (C, T) array (may be memory-mapped)

    Added Keys:

        - frame_inds: (num_clips * clip_len,) int32 sample indices of the
          windows, concatenated (indices >= T are padded positions)
        - clip_len
        - num_clips
        - frame_interval (always 1)

    Modified Keys:

        - signal: (num_clips, C, clip_len) float32, a copy

    Whole records: ``clip_len=None`` takes each record whole, as one window
    (``num_clips`` and ``stride`` must then be left at their defaults), in
    training and in testing alike. This suits fixed-length archives (UCR:
    one series is one example), where a dataset config then needs no window
    length, and records of any length (CinC 2017: 9 to 61 s). Batches of
    records of different lengths need
    ``collate_fn=dict(type='pad_collate')`` in the dataloader
    (:func:`~nl1d.datasets.pad_collate` right-pads each batch to its longest
    record and records each sample's ``valid_length``; the model then masks
    the padding), preferably with
    ``batch_sampler=dict(type='LengthBucketBatchSampler')`` in training
    (:class:`~nl1d.datasets.LengthBucketBatchSampler` batches records of
    similar length, so little of a batch is padding).

    Slices: a float ``clip_len`` in (0, 1] is a fraction of each record's
    length, ``round(clip_len * T)`` samples (at least 1). With random
    training windows and averaged test windows this is window slicing (Le
    Guennec et al. 2016) on fixed-length archives, written once for every
    series length: ``clip_len=0.9`` trains on a random 90 % slice and, with
    ``num_clips=5, test_mode=True``, tests five slices spread over the
    series. Records of different lengths give windows of different lengths
    (batched with ``pad_collate``, as whole records).

    Args:
        clip_len (int | float, optional): Window length in samples (int),
            a fraction of the record's length (float in (0, 1]), or None
            for the whole record.
        num_clips (int): Windows per record. Defaults to 1.
        test_mode (bool): Uniform (or sliding) windows instead of random
            ones. Defaults to False.
        stride (int, optional): Sliding-window step in samples; only with
            ``test_mode=True``. Defaults to None (``num_clips`` uniform
            windows).
        pad_mode (str): How a record shorter than ``clip_len`` is padded:
            ``'constant'`` (zeros), ``'edge'``, ``'wrap'`` or ``'reflect'``.
            Defaults to ``'constant'``.
    """

    def __init__(self,
                 clip_len: Optional[Union[int, float]],
                 num_clips: int = 1,
                 test_mode: bool = False,
                 stride: Optional[int] = None,
                 pad_mode: str = 'constant') -> None:
        if clip_len is None and (num_clips != 1 or stride is not None):
            raise ValueError(
                'SampleWindows(clip_len=None) takes each record whole, as '
                f'one window: num_clips={num_clips} and stride={stride} have '
                'no meaning there. Give a clip_len for several windows per '
                'record, or leave num_clips=1 and stride=None.')
        if isinstance(clip_len, float) and not 0 < clip_len <= 1:
            raise ValueError(
                f'SampleWindows(clip_len={clip_len}): a float clip_len is a '
                'fraction of each record\'s length and must lie in (0, 1]; '
                f'for a window of {clip_len:g} samples give an int '
                f'(clip_len={int(clip_len)}).')
        if (isinstance(clip_len, int) and clip_len < 1) or num_clips < 1:
            raise ValueError(
                f'SampleWindows needs clip_len >= 1 and num_clips >= 1, got '
                f'clip_len={clip_len}, num_clips={num_clips}.')
        if stride is not None and (not test_mode or stride < 1):
            raise ValueError(
                f'SampleWindows(stride={stride}) is sliding-window testing: '
                'use a stride >= 1 together with test_mode=True (training '
                'takes random windows).')
        if pad_mode not in PAD_MODES:
            raise ValueError(f'SampleWindows(pad_mode={pad_mode!r}) is not '
                             f'one of {PAD_MODES}.')
        super().__init__(
            clip_len=clip_len if isinstance(clip_len, int) else 1,
            frame_interval=1,
            num_clips=num_clips,
            test_mode=test_mode)
        self.clip_len = clip_len
        self.stride = stride
        self.pad_mode = pad_mode

    def window_length(self, num_samples: int) -> int:
        """Length in samples of the windows cut from a record.

        Args:
            num_samples (int): Length T of the record.

        Returns:
            int: ``clip_len`` (int), ``round(clip_len * T)`` (at least 1)
            for a fraction, or T for the whole record (None).
        """
        if self.clip_len is None:
            return num_samples
        if isinstance(self.clip_len, float):
            return max(1, int(round(self.clip_len * num_samples)))
        return self.clip_len

    def _window_starts(self, num_samples: int, clip_len: int) -> np.ndarray:
        """Start sample of each window.

        Args:
            num_samples (int): Length T of the record.
            clip_len (int): Window length in samples.

        Returns:
            np.ndarray: (num_windows,) int64 start indices.
        """
        if num_samples <= clip_len:
            # Too short (padded) or exactly one window long: every window is
            # the whole record.
            num_windows = 1 if self.stride is not None else self.num_clips
            return np.zeros(num_windows, dtype=np.int64)
        if self.stride is not None:
            last = num_samples - clip_len
            starts = np.arange(0, last + 1, self.stride)
            if starts[-1] != last:
                starts = np.append(starts, last)
            return starts.astype(np.int64)
        starts = self._sample_clips(num_samples, clip_len)
        # SampleFrames can round a start past the last full window when the
        # record is barely longer than clip_len: keep every window inside.
        return np.clip(starts, 0, num_samples - clip_len).astype(np.int64)

    def transform(self, results: dict) -> dict:
        """Cut windows out of ``results['signal']``.

        Args:
            results (dict): The result dict, with ``signal`` (C, T).

        Returns:
            dict: ``results`` with ``signal`` (num_clips, C, clip_len).
        """
        signal = results['signal']  # (C, T)
        if signal.ndim != 2:
            raise ValueError(
                f'SampleWindows expects signal of shape (C, T), got '
                f'{signal.shape} for {results.get("filename")}: put it '
                'right after LoadSignal (and ResampleSignal / record-level '
                'normalisation), once per pipeline.')
        num_samples = signal.shape[1]
        clip_len = self.window_length(num_samples)
        starts = self._window_starts(num_samples, clip_len) \
            if self.clip_len is not None else np.zeros(1, dtype=np.int64)
        pad = max(clip_len - num_samples, 0)
        windows = []
        for start in starts:
            window = np.asarray(
                signal[:, start:start + clip_len], dtype=np.float32)
            if pad:
                window = np.pad(window, ((0, 0), (0, pad)),
                                mode=self.pad_mode)
            windows.append(window)  # (C, clip_len)
        frame_inds = starts[:, None] + np.arange(clip_len)[None, :]
        results['signal'] = np.stack(windows)  # (num_clips, C, clip_len)
        results['frame_inds'] = frame_inds.reshape(-1).astype(np.int32)
        results['clip_len'] = clip_len
        results['frame_interval'] = 1
        results['num_clips'] = len(starts)
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(clip_len={self.clip_len}, '
                f'num_clips={self.num_clips}, test_mode={self.test_mode}, '
                f'stride={self.stride}, pad_mode={self.pad_mode!r})')
