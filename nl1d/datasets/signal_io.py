# Copyright (c) nl1d contributors. All rights reserved.
"""Opening and checking ``.npy`` signal files.

Shared by :class:`~nl1d.datasets.SignalDataset` (which checks every record
once, before training starts) and :class:`~nl1d.datasets.transforms.LoadSignal`
(which opens one record per sample). A signal file holds one array of shape
``(channels, samples)`` with a floating dtype (float32 preferred).
"""
import os.path as osp
from typing import Optional

import numpy as np

#: Samples read at a time when scanning a record for NaN/Inf, so a record
#: larger than memory can be scanned.
_SCAN_CHUNK = 1 << 20


def open_signal(path: str, mmap: bool = True) -> np.ndarray:
    """Open a ``.npy`` signal file, memory-mapped by default.

    Only the header is read when ``mmap`` is True; samples are paged in when
    indexed, so records (and datasets) larger than memory can be used.

    Args:
        path (str): Path of the ``.npy`` file.
        mmap (bool): Memory-map the file (``np.load(mmap_mode='r')``)
            instead of reading it whole. Defaults to True.

    Returns:
        np.ndarray: The stored array, read-only when memory-mapped.

    Raises:
        FileNotFoundError: The file does not exist.
        ValueError: The file is truncated, is not a ``.npy`` file or holds
            pickled objects.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(
            f'signal file {path} does not exist: check `data_prefix` / '
            '`data_root` in the dataset config and the path in the '
            'annotation file, or re-run the converter that wrote it.')
    try:
        return np.load(path, mmap_mode='r' if mmap else None,
                       allow_pickle=False)
    except Exception as e:  # numpy raises ValueError/OSError/EOFError
        raise ValueError(
            f'signal file {path} cannot be read as a .npy array ({e}): the '
            'file is truncated or corrupt. Re-write it with '
            '`np.save(path, signal.astype(np.float32))` or re-run the '
            'converter that produced it.') from e


def check_signal_array(signal: np.ndarray,
                       path: str,
                       num_samples: Optional[int] = None,
                       num_channels: Optional[int] = None) -> None:
    """Check the dtype and shape of an opened signal (reads no samples).

    Args:
        signal (np.ndarray): The array from :func:`open_signal`.
        path (str): Its file path, for the error message.
        num_samples (int, optional): The length the annotation file states.
            Defaults to None (not checked).
        num_channels (int, optional): The channel count the config expects.
            Defaults to None (not checked).

    Raises:
        ValueError: The array is not a floating ``(channels, samples)``
            array, or disagrees with ``num_samples`` / ``num_channels``.
    """
    if not np.issubdtype(signal.dtype, np.floating):
        raise ValueError(
            f'signal file {path} holds dtype {signal.dtype}, expected a '
            'floating dtype (float32): save it with '
            '`np.save(path, signal.astype(np.float32))` (scale integer ADC '
            'values to physical units first).')
    if signal.ndim != 2:
        raise ValueError(
            f'signal file {path} holds an array of shape {signal.shape}, '
            'expected (channels, samples): save a single-channel signal `x` '
            'as `x[None]`.')
    channels, samples = signal.shape
    if num_samples is not None and samples != num_samples:
        hint = ''
        if channels == num_samples:
            hint = (' The array looks transposed: save it as '
                    '`signal.T` (channels first).')
        raise ValueError(
            f'signal file {path} has {samples} samples (shape '
            f'{signal.shape}) but the annotation file says {num_samples}: '
            'fix the num_samples column (or re-run the converter).' + hint)
    if num_channels is not None and channels != num_channels:
        raise ValueError(
            f'signal file {path} has {channels} channels (shape '
            f'{signal.shape}) but the config expects num_channels='
            f'{num_channels}: set num_channels (and the backbone\'s '
            'in_channels) to match the data, or select the channels when '
            'converting.')


def check_finite(signal: np.ndarray, path: str) -> None:
    """Check that a signal holds no NaN or Inf, reading it in chunks.

    Args:
        signal (np.ndarray): (C, T) array, possibly memory-mapped (checked
            by :func:`check_signal_array` first).
        path (str): Its file path, for the error message.

    Raises:
        ValueError: Some sample is NaN or infinite; the message gives the
            first bad channel and sample index.
    """
    length = signal.shape[-1]
    for start in range(0, max(length, 1), _SCAN_CHUNK):
        chunk = np.asarray(signal[..., start:start + _SCAN_CHUNK])
        finite = np.isfinite(chunk)
        if not finite.all():
            channel, sample = np.argwhere(~finite)[0]
            value = chunk[channel, sample]
            raise ValueError(
                f'signal file {path} contains {value} at channel {channel}, '
                f'sample {start + sample} ({int((~finite).sum())} non-finite '
                'values in that stretch): interpolate or drop the bad '
                'samples (e.g. `np.nan_to_num` or linear interpolation) and '
                're-save the file, or leave the record out of the '
                'annotation file.')
