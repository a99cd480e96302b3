# Copyright (c) nl1d contributors. All rights reserved.
import numpy as np
import pytest

import nl1d  # noqa: F401
from nl1d.datasets.transforms import SampleWindows


def _record(channels=2, length=100):
    return np.arange(channels * length, dtype=np.float32).reshape(
        channels, length)


def _starts(results):
    return results['frame_inds'].reshape(results['num_clips'],
                                         results['clip_len'])[:, 0].tolist()


def test_train_window_is_random_and_contiguous():
    record = _record()
    np.random.seed(3)
    results = SampleWindows(clip_len=30)(dict(signal=record))
    np.random.seed(3)
    start = np.random.randint(100 - 30 + 1)  # what SampleFrames draws
    assert _starts(results) == [start]
    assert results['signal'].shape == (1, 2, 30)
    assert results['signal'].dtype == np.float32
    np.testing.assert_array_equal(results['signal'][0],
                                  record[:, start:start + 30])
    assert results['clip_len'] == 30 and results['num_clips'] == 1


def test_train_windows_cover_segments():
    np.random.seed(0)
    results = SampleWindows(clip_len=10, num_clips=4)(
        dict(signal=_record(1, 90)))
    # (90 - 10 + 1) // 4 = 20 samples per segment: window i starts in
    # [20 i, 20 i + 20).
    for i, start in enumerate(_starts(results)):
        assert 20 * i <= start < 20 * i + 20


def test_uniform_test_windows():
    record = _record(1, 100)
    results = SampleWindows(clip_len=20, num_clips=5, test_mode=True)(
        dict(signal=record))
    assert _starts(results) == [0, 20, 40, 60, 80]
    one = SampleWindows(clip_len=20, num_clips=1, test_mode=True)(
        dict(signal=record))
    assert _starts(one) == [40]  # centred


@pytest.mark.parametrize('stride, starts', [(3, [0, 3, 6]),
                                            (4, [0, 4, 6]),
                                            (10, [0, 6])])
def test_sliding_windows(stride, starts):
    record = _record(1, 10)
    results = SampleWindows(
        clip_len=4, num_clips=99, test_mode=True, stride=stride)(
            dict(signal=record))
    assert _starts(results) == starts
    assert results['num_clips'] == len(starts)
    for window, start in zip(results['signal'], starts):
        np.testing.assert_array_equal(window, record[:, start:start + 4])


@pytest.mark.parametrize('pad_mode, expected', [
    ('constant', [0, 1, 2, 0, 0]),
    ('edge', [0, 1, 2, 2, 2]),
    ('wrap', [0, 1, 2, 0, 1]),
    ('reflect', [0, 1, 2, 1, 0]),
])
@pytest.mark.parametrize('test_mode', [False, True])
def test_padding_policy(pad_mode, expected, test_mode):
    record = np.array([[0, 1, 2]], np.float32)
    results = SampleWindows(
        clip_len=5, num_clips=2, test_mode=test_mode, pad_mode=pad_mode)(
            dict(signal=record))
    assert results['signal'].shape == (2, 1, 5)
    for window in results['signal']:
        assert window[0].tolist() == expected
    assert results['frame_inds'].tolist() == [0, 1, 2, 3, 4] * 2


def test_windows_stay_inside_barely_longer_record():
    # SampleFrames rounds starts up to 2 here; they are clamped to 1.
    for seed in range(5):
        np.random.seed(seed)
        results = SampleWindows(clip_len=2, num_clips=5)(
            dict(signal=_record(1, 3)))
        assert max(_starts(results)) <= 1


def test_reads_memmap_without_changing_it(tmp_path):
    record = _record(2, 50)
    np.save(tmp_path / 'r.npy', record)
    mapped = np.load(tmp_path / 'r.npy', mmap_mode='r')
    results = SampleWindows(clip_len=10, num_clips=3, test_mode=True)(
        dict(signal=mapped))
    assert results['signal'].flags.writeable
    results['signal'][:] = -1
    np.testing.assert_array_equal(np.load(tmp_path / 'r.npy'), record)


def test_bad_arguments_and_input():
    with pytest.raises(ValueError, match='test_mode=True'):
        SampleWindows(clip_len=4, stride=2)
    with pytest.raises(ValueError, match='pad_mode'):
        SampleWindows(clip_len=4, pad_mode='zeros')
    with pytest.raises(ValueError, match='clip_len >= 1'):
        SampleWindows(clip_len=0)
    with pytest.raises(ValueError, match=r'\(C, T\)'):
        SampleWindows(clip_len=4)(dict(signal=np.zeros((1, 1, 8))))


def test_repr():
    assert repr(SampleWindows(clip_len=4, num_clips=2, test_mode=True,
                              stride=2)) == (
        "SampleWindows(clip_len=4, num_clips=2, test_mode=True, stride=2, "
        "pad_mode='constant')")
