# Copyright (c) nl1d contributors. All rights reserved.
import numpy as np
import pytest

import nl1d  # noqa: F401
from nl1d.datasets.transforms import LoadSignal


def _save(tmp_path, array, name='x.npy'):
    path = tmp_path / name
    np.save(path, array)
    return str(path)


def test_memory_mapped_and_unchanged(tmp_path):
    array = np.arange(12, dtype=np.float32).reshape(3, 4)
    path = _save(tmp_path, array)
    results = LoadSignal()(dict(filename=path, num_samples=4))
    assert isinstance(results['signal'], np.memmap)
    assert not results['signal'].flags.writeable
    np.testing.assert_array_equal(results['signal'], array)
    assert results['num_channels'] == 3
    full = LoadSignal(mmap=False)(dict(filename=path))['signal']
    assert not isinstance(full, np.memmap)
    np.testing.assert_array_equal(full, array)


@pytest.mark.parametrize('array, kwargs, match', [
    (np.zeros((2, 5), np.float32), dict(num_samples=6),
     'has 5 samples .* says 6'),
    (np.zeros((5, 2), np.float32), dict(num_samples=5), 'looks transposed'),
    (np.zeros((2, 5), np.int16), dict(), 'dtype int16'),
    (np.zeros(5, np.float32), dict(), r'x\[None\]'),
])
def test_bad_arrays(tmp_path, array, kwargs, match):
    path = _save(tmp_path, array)
    with pytest.raises(ValueError, match=match):
        LoadSignal()(dict(filename=path, **kwargs))


def test_channel_mismatch_names_annotation_line(tmp_path):
    path = _save(tmp_path, np.zeros((2, 5), np.float32))
    results = dict(filename=path, ann_file='train.txt', ann_line=7)
    with pytest.raises(ValueError,
                       match=r'2 channels .* num_channels=1.*train.txt, '
                       r'line 7'):
        LoadSignal(num_channels=1)(results)


def test_missing_truncated_corrupt(tmp_path):
    with pytest.raises(FileNotFoundError, match='does not exist'):
        LoadSignal()(dict(filename=str(tmp_path / 'missing.npy')))
    path = _save(tmp_path, np.zeros((1, 1000), np.float32))
    data = open(path, 'rb').read()
    open(path, 'wb').write(data[:len(data) // 2])
    with pytest.raises(ValueError, match='truncated or corrupt'):
        LoadSignal()(dict(filename=path))
    (tmp_path / 'c.npy').write_bytes(b'not a numpy file at all')
    with pytest.raises(ValueError, match='truncated or corrupt'):
        LoadSignal()(dict(filename=str(tmp_path / 'c.npy')))


def test_check_finite(tmp_path):
    array = np.zeros((2, 10), np.float32)
    array[1, 7] = np.inf
    path = _save(tmp_path, array)
    LoadSignal()(dict(filename=path))  # not scanned by default
    with pytest.raises(ValueError, match='inf at channel 1, sample 7'):
        LoadSignal(check_finite=True)(dict(filename=path))


def test_repr():
    assert repr(LoadSignal(num_channels=2)) == \
        'LoadSignal(num_channels=2, mmap=True, check_finite=False)'
