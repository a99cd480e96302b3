# Copyright (c) nl1d contributors. All rights reserved.
import numpy as np
import pytest
import torch
from mmaction.structures import ActionDataSample

import nl1d  # noqa: F401
from nl1d.datasets.transforms import PackSignalInputs


def test_pack_windows():
    windows = np.random.default_rng(0).standard_normal(
        (5, 2, 8)).astype(np.float64)
    packed = PackSignalInputs()(
        dict(signal=windows, label=3, filename='a.npy', num_samples=40,
             sampling_rate=100.0, other='dropped'))
    assert set(packed) == {'inputs', 'data_samples'}
    assert packed['inputs'].dtype == torch.float32
    torch.testing.assert_close(packed['inputs'],
                               torch.from_numpy(windows).float())
    sample = packed['data_samples']
    assert isinstance(sample, ActionDataSample)
    assert sample.gt_label.tolist() == [3]
    assert sample.metainfo == dict(filename='a.npy', num_samples=40,
                                   sampling_rate=100.0)


def test_pack_whole_memmapped_record(tmp_path):
    record = np.arange(6, dtype=np.float32).reshape(2, 3)
    np.save(tmp_path / 'r.npy', record)
    packed = PackSignalInputs(meta_keys=())(
        dict(signal=np.load(tmp_path / 'r.npy', mmap_mode='r')))
    assert packed['inputs'].shape == (1, 2, 3)
    assert 'gt_label' not in packed['data_samples']
    packed['inputs'].zero_()  # a copy: the file is untouched
    np.testing.assert_array_equal(np.load(tmp_path / 'r.npy'), record)


def test_errors_and_repr():
    with pytest.raises(KeyError, match='LoadSignal'):
        PackSignalInputs()(dict(label=0))
    with pytest.raises(ValueError, match='num_clips, C, L'):
        PackSignalInputs()(dict(signal=np.zeros(4)))
    assert repr(PackSignalInputs(meta_keys=['a'])) == \
        "PackSignalInputs(meta_keys=('a',))"
