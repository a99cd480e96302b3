# Copyright (c) nl1d contributors. All rights reserved.
import itertools

import numpy as np
import pytest
from mmaction.registry import DATA_SAMPLERS
from mmengine.dataset import (BaseDataset, ConcatDataset, DefaultSampler,
                              InfiniteSampler, RepeatDataset)
from mmengine.runner import Runner
from torch.utils.data import BatchSampler

from nl1d.datasets import LengthBucketBatchSampler, record_durations


class ToyDataset(BaseDataset):
    """Data infos with ``num_samples`` and ``sampling_rate`` only."""

    def __init__(self, lengths, sampling_rate=None):
        self._lengths = [int(n) for n in lengths]
        self._rate = sampling_rate
        super().__init__(ann_file='', lazy_init=True)

    def load_data_list(self):
        return [
            dict(num_samples=n, sampling_rate=self._rate)
            for n in self._lengths
        ]


def realistic_lengths(num=2000, seed=0):
    """Record lengths drawn uniformly from 900..6100 samples."""
    return np.random.default_rng(seed).integers(900, 6101, size=num)


def padding_fraction(batches, lengths):
    """Share of the padded batches' samples that are padding."""
    padded = sum(len(b) * lengths[b].max() for b in batches)
    return 1 - sum(lengths[b].sum() for b in batches) / padded


def bucketed(dataset, batch_size=32, shuffle=True, seed=0, **kwargs):
    sampler = DefaultSampler(dataset, shuffle=shuffle, seed=seed)
    return LengthBucketBatchSampler(sampler, batch_size, **kwargs)


@pytest.mark.parametrize('multiplier', [100, 10])
def test_every_index_once_and_little_padding(multiplier):
    lengths = realistic_lengths()
    batch_sampler = bucketed(ToyDataset(lengths),
                             bucket_size_multiplier=multiplier)
    batches = list(batch_sampler)
    assert sorted(itertools.chain(*batches)) == list(range(len(lengths)))
    assert len(batches) == len(batch_sampler) == 63  # ceil(2000 / 32)

    plain = list(BatchSampler(batch_sampler.sampler, 32, False))
    random_pad = padding_fraction(plain, lengths)
    bucket_pad = padding_fraction(batches, lengths)
    print(f'padding: random batches {random_pad:.1%}, length buckets '
          f'(multiplier {multiplier}) {bucket_pad:.1%}')
    assert random_pad > 0.35  # ~41 % for 32 uniform lengths
    bound = 0.02 if multiplier == 100 else 0.1
    assert bucket_pad < bound
    # batches come in a random order, not sorted by length
    maxima = [lengths[b].max() for b in batches]
    assert maxima != sorted(maxima)


def test_same_seed_and_epoch_same_batches():
    dataset = ToyDataset(realistic_lengths(500))
    first, second = bucketed(dataset, 16), bucketed(dataset, 16)
    assert list(first) == list(second) == list(first)
    epoch0 = list(first)
    first.sampler.set_epoch(1)
    second.sampler.set_epoch(1)
    assert list(first) == list(second) != epoch0
    assert list(bucketed(dataset, 16, seed=1)) != epoch0
    first.sampler.set_epoch(0)
    assert list(first) == epoch0


def test_without_shuffle_keeps_sorted_order():
    lengths = realistic_lengths(200)
    batch_sampler = bucketed(ToyDataset(lengths),
                             8,
                             shuffle=False,
                             bucket_size_multiplier=5)
    batches = list(batch_sampler)
    assert batches == list(batch_sampler)
    # pools of 40 indices in the sampler's order, each sorted by length
    for pool in range(5):
        order = list(itertools.chain(*batches[pool * 5:pool * 5 + 5]))
        assert sorted(order) == list(range(pool * 40, pool * 40 + 40))
        assert np.all(np.diff(lengths[order]) >= 0)


@pytest.mark.parametrize('num,batch_size,multiplier', [(1000, 16, 100),
                                                       (1000, 16, 3),
                                                       (96, 32, 1), (5, 8, 2)])
def test_len_with_and_without_drop_last(num, batch_size, multiplier):
    dataset = ToyDataset(realistic_lengths(num))
    for drop_last, expected in ((False, -(-num // batch_size)),
                                (True, num // batch_size)):
        batch_sampler = bucketed(dataset,
                                 batch_size,
                                 drop_last=drop_last,
                                 bucket_size_multiplier=multiplier)
        batches = list(batch_sampler)
        assert len(batch_sampler) == len(batches) == expected
        if drop_last:
            assert all(len(b) == batch_size for b in batches)
        else:
            assert sum(map(len, batches)) == num


def test_durations_of_wrapped_datasets():
    fast = ToyDataset([1000, 3000], sampling_rate=200)
    slow = ToyDataset([1000, 500, 2000], sampling_rate=100)
    concat = ConcatDataset([fast, slow])
    np.testing.assert_allclose(record_durations(concat), [5, 15, 10, 5, 20])
    repeat = RepeatDataset(slow, times=3)
    np.testing.assert_allclose(record_durations(repeat), [10, 5, 20] * 3)
    # a record without a rate: every duration in samples
    no_rate = ConcatDataset([slow, ToyDataset([700])])
    np.testing.assert_allclose(record_durations(no_rate),
                               [1000, 500, 2000, 700])
    batches = list(bucketed(repeat, 3))
    assert sorted(itertools.chain(*batches)) == list(range(9))
    assert all(len(set(np.asarray([10, 5, 20] * 3)[b])) == 1
               for b in batches)  # each batch one record, 3 times


def test_infinite_sampler_and_errors():
    dataset = ToyDataset(realistic_lengths(50))
    batch_sampler = LengthBucketBatchSampler(InfiniteSampler(dataset, seed=0),
                                             4,
                                             bucket_size_multiplier=2)
    batches = list(itertools.islice(batch_sampler, 40))  # past one pass
    assert all(len(b) == 4 for b in batches)

    with pytest.raises(TypeError, match='get_data_info'):
        LengthBucketBatchSampler(DefaultSampler(list(range(4)), seed=0), 2)
    with pytest.raises(TypeError, match='Sampler'):
        LengthBucketBatchSampler(range(4), 2)
    with pytest.raises(ValueError, match='bucket_size_multiplier'):
        bucketed(dataset, 4, bucket_size_multiplier=0)
    with pytest.raises(ValueError):
        bucketed(dataset, 0)
    assert DATA_SAMPLERS.get('LengthBucketBatchSampler') is \
        LengthBucketBatchSampler


@pytest.mark.parametrize('shuffle', [True, False])
def test_runner_builds_padded_batches(make_records, shuffle):
    lengths = [90, 610, 300, 305, 120, 480, 95, 600, 250, 420, 333]
    ann, root = make_records(lengths, channels=2)
    dataloader = Runner.build_dataloader(dict(
        batch_size=4,
        num_workers=0,
        sampler=dict(type='DefaultSampler', shuffle=shuffle),
        batch_sampler=dict(type='LengthBucketBatchSampler',
                           bucket_size_multiplier=2),
        collate_fn=dict(type='pad_collate'),
        dataset=dict(type='SignalDataset',
                     ann_file=str(ann),
                     data_prefix=dict(signal=str(root)),
                     pipeline=[
                         dict(type='LoadSignal'),
                         dict(type='SampleWindows', clip_len=None),
                         dict(type='PackSignalInputs')
                     ],
                     num_classes=2,
                     sampling_rate=100,
                     test_mode=not shuffle)),
                                         seed=0)
    assert isinstance(dataloader.batch_sampler, LengthBucketBatchSampler)
    batches = list(dataloader)
    assert len(batches) == len(dataloader) == 3
    seen = []
    for batch in batches:
        valid = [s.valid_length for s in batch['data_samples']]
        longest = max(valid)
        for inputs, sample in zip(batch['inputs'], batch['data_samples']):
            assert tuple(inputs.shape) == (1, 2, longest)
            record = np.load(sample.filename)
            assert record.shape[1] == sample.valid_length
            np.testing.assert_array_equal(
                inputs[0, :, :sample.valid_length].numpy(), record)
            assert (inputs[..., sample.valid_length:] == 0).all()
            seen.append(sample.valid_length)
    assert sorted(seen) == sorted(lengths)
    if not shuffle:  # test mode: the sampler's pools, sorted, in order
        assert seen == sorted(lengths[:8]) + sorted(lengths[8:])
    again = [[s.valid_length for s in b['data_samples']] for b in dataloader]
    assert again == [[s.valid_length for s in b['data_samples']]
                     for b in batches]  # same epoch, same seed
