# Copyright (c) nl1d contributors. All rights reserved.
"""Batches of records of similar length, so padded batches stay small."""
import itertools
import math
from typing import Iterator, List, Optional, Sized, Tuple

import numpy as np
from mmaction.registry import DATA_SAMPLERS
from mmengine.dataset import ClassBalancedDataset, RepeatDataset
from mmengine.dist import sync_random_seed
from torch.utils.data import (BatchSampler, ConcatDataset, RandomSampler,
                              Sampler)


def _lengths_and_rates(dataset: Sized) -> Tuple[np.ndarray, np.ndarray]:
    """``num_samples`` and ``sampling_rate`` (NaN when None) of every index
    of ``dataset``, reading each underlying record's data info once."""
    if hasattr(dataset, 'full_init'):
        dataset.full_init()  # a no-op once done (the Runner does it)
    if isinstance(dataset, RepeatDataset):
        lengths, rates = _lengths_and_rates(dataset.dataset)
        return np.tile(lengths, dataset.times), np.tile(rates, dataset.times)
    if isinstance(dataset, ClassBalancedDataset):
        lengths, rates = _lengths_and_rates(dataset.dataset)
        repeat = np.asarray(dataset.repeat_indices, dtype=np.int64)
        return lengths[repeat], rates[repeat]
    if isinstance(dataset, ConcatDataset):  # torch's and mmengine's
        parts = [_lengths_and_rates(d) for d in dataset.datasets]
        return (np.concatenate([p[0] for p in parts]),
                np.concatenate([p[1] for p in parts]))
    if not hasattr(dataset, 'get_data_info'):
        raise TypeError(
            f'LengthBucketBatchSampler cannot read record lengths from a '
            f'{type(dataset).__name__}: it needs a dataset with '
            '`get_data_info(i)` (an mmengine BaseDataset such as '
            'SignalDataset), or mmengine\'s ConcatDataset / RepeatDataset / '
            'ClassBalancedDataset of such datasets. Use the default batch '
            'sampler (leave batch_sampler out) for this dataset.')
    lengths = np.empty(len(dataset), dtype=np.float64)
    rates = np.empty(len(dataset), dtype=np.float64)
    for i in range(len(dataset)):
        info = dataset.get_data_info(i)
        length = info.get('num_samples', info.get('total_frames'))
        if length is None:
            raise KeyError(
                f'LengthBucketBatchSampler: the data info of index {i} of '
                f'{type(dataset).__name__} ({info.get("filename")}) has '
                'neither `num_samples` nor `total_frames`, so the record\'s '
                'length is unknown.')
        rate = info.get('sampling_rate')
        lengths[i] = length
        rates[i] = np.nan if rate is None else rate
    return lengths, rates


def record_durations(dataset: Sized) -> np.ndarray:
    """Duration of the record behind every index of a dataset.

    Read from the data infos, without loading any signal: ``num_samples /
    sampling_rate`` (seconds) when every record has a ``sampling_rate``,
    else ``num_samples`` (``total_frames`` for datasets without it) for
    every record, so that all durations are in one unit. Seconds order
    records of datasets with different rates correctly when the pipeline
    resamples them to one rate.

    Args:
        dataset (Sized): An mmengine ``BaseDataset`` (``get_data_info``),
            or mmengine's ``ConcatDataset``, ``RepeatDataset`` or
            ``ClassBalancedDataset`` of such datasets (each record's info
            is read once, however often the wrapper repeats it).

    Returns:
        np.ndarray: (len(dataset),) float64 durations.

    Raises:
        TypeError: The dataset has no data infos to read.
        KeyError: A data info has no length.
    """
    lengths, rates = _lengths_and_rates(dataset)
    if len(lengths) != len(dataset):
        raise ValueError(
            f'LengthBucketBatchSampler read {len(lengths)} record lengths '
            f'from a {type(dataset).__name__} of {len(dataset)} items.')
    if len(rates) and not np.isnan(rates).any():
        return lengths / rates
    return lengths


@DATA_SAMPLERS.register_module()
class LengthBucketBatchSampler(BatchSampler):
    """Batch records of similar length together, in a random batch order.

    Records of different lengths are batched by right-padding them to the
    longest of the batch (:func:`~nl1d.datasets.pad_collate`); drawing the
    records of a batch at random wastes much of each batch on padding. This
    batch sampler (the bucketing of PyTorch-NLP's ``BucketBatchSampler``)
    takes the indices of ``sampler`` (shuffled, and this rank's share under
    distributed training) in pools of ``batch_size * bucket_size_multiplier``,
    sorts each pool by record duration (a stable sort: equal durations keep
    the sampler's random order), cuts it into batches and yields the
    batches of each pool in a random order. The records of a batch are thus
    random among those of similar length, and each epoch's batches differ
    with the sampler's shuffle.

    The batch order is drawn from a generator seeded with the sampler's
    ``seed`` and ``epoch`` (mmengine's ``DefaultSampler``: ``--seed`` /
    ``randomness.seed`` sets the seed, ``DistSamplerSeedHook`` the epoch),
    so a run is reproducible. A sampler that does not shuffle
    (``shuffle=False``, validation and testing) keeps the sorted batches in
    order. Durations come from the dataset's data infos
    (:func:`record_durations`), read once when the sampler is built.

    Built by mmengine's Runner, which passes ``sampler`` and ``batch_size``::

        train_dataloader = dict(
            batch_size=32,
            sampler=dict(type='DefaultSampler', shuffle=True),
            batch_sampler=dict(type='LengthBucketBatchSampler'),
            collate_fn=dict(type='pad_collate'),
            dataset=dict(..., pipeline=[..., dict(type='SampleWindows',
                                                  clip_len=None), ...]))

    Note:
        Under distributed validation or testing, mmengine's result
        collection (``collect_results``) assumes each rank processed its
        samples in the sampler's order when it drops the samples
        ``DefaultSampler(round_up=True)`` repeated to fill the last round;
        reordered by this sampler, other samples would be dropped or
        counted twice whenever the dataset size is not a multiple of the
        number of processes. Validate and test on one process, or with the
        default batch sampler there.

    Args:
        sampler (Sampler): The sampler of indices, with a ``dataset``
            attribute (mmengine's ``DefaultSampler`` or ``InfiniteSampler``).
        batch_size (int): Records per batch.
        drop_last (bool): Drop the epoch's last batch when it has fewer than
            ``batch_size`` records. Defaults to False.
        bucket_size_multiplier (int): A pool sorted by length holds this
            many batches. Larger pools pad less; smaller ones mix lengths
            over the epoch more evenly. Defaults to 100.
    """

    def __init__(self,
                 sampler: Sampler,
                 batch_size: int,
                 drop_last: bool = False,
                 bucket_size_multiplier: int = 100) -> None:
        if not isinstance(sampler, Sampler):
            raise TypeError(
                'LengthBucketBatchSampler: sampler should be a '
                f'torch.utils.data.Sampler, got {type(sampler).__name__}.')
        if isinstance(bucket_size_multiplier, bool) or not isinstance(
                bucket_size_multiplier, int) or bucket_size_multiplier < 1:
            raise ValueError(
                'LengthBucketBatchSampler: bucket_size_multiplier should be '
                f'a positive int, got {bucket_size_multiplier!r}.')
        super().__init__(sampler, batch_size, drop_last)
        self.bucket_size_multiplier = bucket_size_multiplier
        # mmengine's samplers keep `dataset`, torch's `data_source`
        dataset = getattr(sampler, 'dataset',
                          getattr(sampler, 'data_source', None))
        if dataset is None:
            raise TypeError(
                'LengthBucketBatchSampler needs a sampler with a `dataset` '
                f'attribute (e.g. DefaultSampler), got '
                f'{type(sampler).__name__}.')
        self.durations = record_durations(dataset)
        self._seed: Optional[int] = None

    @property
    def shuffle(self) -> bool:
        """Whether the batch order is random: as the sampler's order."""
        return bool(
            getattr(self.sampler, 'shuffle',
                    isinstance(self.sampler, RandomSampler)))

    def _generator(self) -> Optional[np.random.Generator]:
        """The generator of this epoch's batch order (None: keep order)."""
        if not self.shuffle:
            return None
        seed = getattr(self.sampler, 'seed', None)
        if seed is None:  # a sampler without a seed: one for the run
            if self._seed is None:
                self._seed = sync_random_seed()
            seed = self._seed
        epoch = getattr(self.sampler, 'epoch', 0)
        return np.random.default_rng([int(seed) % 2**63, int(epoch)])

    def __iter__(self) -> Iterator[List[int]]:
        """Yield batches of indices, pool by pool."""
        rng = self._generator()
        pool_size = self.batch_size * self.bucket_size_multiplier
        indices = iter(self.sampler)
        while True:
            pool = list(itertools.islice(indices, pool_size))
            if not pool:
                return
            order = np.argsort(self.durations[pool], kind='stable')
            pool = [pool[i] for i in order]
            batches = [
                pool[start:start + self.batch_size]
                for start in range(0, len(pool), self.batch_size)
            ]
            if self.drop_last and len(batches[-1]) < self.batch_size:
                batches.pop()  # only the epoch's last pool can be short
            if rng is not None:
                batches = [batches[i] for i in rng.permutation(len(batches))]
            yield from batches

    def __len__(self) -> int:
        """Batches per epoch (every pool but the last is whole batches)."""
        if self.drop_last:
            return len(self.sampler) // self.batch_size
        return math.ceil(len(self.sampler) / self.batch_size)

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(batch_size={self.batch_size}, '
                f'drop_last={self.drop_last}, bucket_size_multiplier='
                f'{self.bucket_size_multiplier})')
