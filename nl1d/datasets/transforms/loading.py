# Copyright (c) nl1d contributors. All rights reserved.
"""Loading a signal record from its ``.npy`` file."""
from typing import Optional

from mmaction.registry import TRANSFORMS
from mmcv.transforms import BaseTransform

from ..signal_io import check_finite, check_signal_array, open_signal


def _where(results: dict) -> str:
    """Name the annotation line a record came from, when known."""
    if 'ann_file' in results and 'ann_line' in results:
        return f' (annotation {results["ann_file"]}, line ' \
               f'{results["ann_line"]})'
    return ''


@TRANSFORMS.register_module()
class LoadSignal(BaseTransform):
    """Open a signal record, memory-mapped, and check it.

    The record is not read into memory: ``signal`` is a read-only
    ``np.memmap`` of shape (C, T), so window sampling reads only the samples
    it takes and a dataset larger than memory trains.

    Required Keys:

        - filename
        - num_samples (optional, checked against the file when present)

    Added Keys:

        - signal: (C, T) array, memory-mapped and read-only
        - num_channels

    Args:
        num_channels (int, optional): Expected channel count; a record with
            another count raises an error. Defaults to None (not checked).
        mmap (bool): Memory-map the file instead of reading it whole.
            Defaults to True.
        check_finite (bool): Scan the whole record for NaN/Inf on every
            load. This reads the record once per load; :class:`SignalDataset`
            already scans every record once at start-up
            (``check_values=True``), so this is for datasets built without
            that check. Defaults to False.
    """

    def __init__(self,
                 num_channels: Optional[int] = None,
                 mmap: bool = True,
                 check_finite: bool = False) -> None:
        self.num_channels = num_channels
        self.mmap = mmap
        self.check_finite = check_finite

    def transform(self, results: dict) -> dict:
        """Open ``results['filename']`` and add ``signal``.

        Args:
            results (dict): The result dict of the dataset.

        Returns:
            dict: ``results`` with ``signal`` (C, T) and ``num_channels``.
        """
        path = results['filename']
        try:
            signal = open_signal(path, mmap=self.mmap)
            check_signal_array(signal, path, results.get('num_samples'),
                               self.num_channels)
            if self.check_finite:
                check_finite(signal, path)
        except (FileNotFoundError, ValueError) as e:
            raise type(e)(f'{e}{_where(results)}') from e
        results['signal'] = signal  # (C, T)
        results['num_channels'] = signal.shape[0]
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(num_channels={self.num_channels}, '
                f'mmap={self.mmap}, check_finite={self.check_finite})')
