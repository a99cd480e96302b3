# Copyright (c) nl1d contributors. All rights reserved.
import pytest
import torch
from mmaction.structures import ActionDataSample
from mmengine.dataset import pseudo_collate
from mmengine.registry import FUNCTIONS

from nl1d.datasets import pad_collate


def sample(length, channels=2, num_clips=1, filename=None, **meta):
    """A packed sample as PackSignalInputs makes it, counting from 1."""
    numel = num_clips * channels * length
    inputs = torch.arange(1, numel + 1,
                          dtype=torch.float32).reshape(num_clips, channels,
                                                       length)
    data_sample = ActionDataSample()
    data_sample.set_gt_label(0)
    if filename is not None:
        meta['filename'] = filename
    data_sample.set_metainfo(meta)
    return dict(inputs=inputs, data_samples=data_sample)


def test_pads_to_the_longest_and_records_valid_lengths():
    batch = [sample(3), sample(5), sample(4)]
    originals = [item['inputs'] for item in batch]
    out = pad_collate(batch)
    assert set(out) == {'inputs', 'data_samples'}
    assert [tuple(x.shape) for x in out['inputs']] == [(1, 2, 5)] * 3
    for x, original, length in zip(out['inputs'], originals, (3, 5, 4)):
        torch.testing.assert_close(x[..., :length], original)
        assert (x[..., length:] == 0).all()
    valid = [s.metainfo['valid_length'] for s in out['data_samples']]
    assert valid == [3, 5, 4]
    assert all(type(v) is int for v in valid)
    # the longest is passed on as it is; the caller's dicts keep their own
    assert out['inputs'][1] is originals[1]
    assert [item['inputs'] for item in batch] == originals
    assert out['data_samples'][0] is batch[0]['data_samples']


def test_pad_value_and_several_clips():
    batch = [sample(2, channels=1, num_clips=3), sample(6, 1, 3)]
    out = pad_collate(batch, pad_value=-7.5)
    assert tuple(out['inputs'][0].shape) == (3, 1, 6)
    assert (out['inputs'][0][..., 2:] == -7.5).all()
    torch.testing.assert_close(out['inputs'][0][..., :2], batch[0]['inputs'])


def test_equal_lengths_are_pseudo_collate():
    batch = [sample(4, extra=1), sample(4, extra=2)]
    for item, label in zip(batch, (3, 5)):
        item['label_copy'] = label
    out = pad_collate(batch)
    ref = pseudo_collate(batch)
    assert set(out) == set(ref)
    assert all(a is b for a, b in zip(out['inputs'], ref['inputs']))
    assert all(a is b
               for a, b in zip(out['data_samples'], ref['data_samples']))
    assert out['label_copy'] == ref['label_copy'] == [3, 5]
    assert [s.valid_length for s in out['data_samples']] == [4, 4]


def test_an_earlier_valid_length_is_kept_when_smaller():
    batch = [sample(6, valid_length=4), sample(3, valid_length=9), sample(8)]
    out = pad_collate(batch)
    # 4 < 6: the record's own padding; 9 > 3: everything past 3 is ours
    assert [s.valid_length for s in out['data_samples']] == [4, 3, 8]


def test_samples_that_cannot_be_padded_are_named():
    with pytest.raises(ValueError,
                       match=r'sample 1 \(b\.npy\).*\(1, 3, 5\)'
                       r'.*sample 0 \(a\.npy\).*same number of clips and '
                       r'channels'):
        pad_collate([
            sample(4, filename='a.npy'),
            sample(5, channels=3, filename='b.npy')
        ])
    with pytest.raises(ValueError, match=r'sample 1 \(b\.npy\).*\(2, 2, 4\)'):
        pad_collate([
            sample(4, filename='a.npy'),
            sample(4, num_clips=2, filename='b.npy')
        ])
    with pytest.raises(TypeError, match='sample 0 .*no tensor `inputs`'):
        pad_collate([dict(data_samples=ActionDataSample())])
    with pytest.raises(ValueError, match='empty batch'):
        pad_collate([])


def test_registered_where_the_runner_looks():
    """mmengine's Runner resolves collate_fn with the root FUNCTIONS
    registry's plain get(): the short name and the full path both work."""
    assert FUNCTIONS.get('pad_collate') is pad_collate
    assert FUNCTIONS.get('nl1d.datasets.pad_collate') is pad_collate
