# Copyright (c) nl1d contributors. All rights reserved.
import numpy as np
import pytest

import nl1d  # noqa: F401
from nl1d.datasets.transforms import (BaselineWander, GaussianNoise,
                                      RandomAmplitudeScale, RandomMask,
                                      RandomTimeShift)


def _windows(num=3, channels=2, length=20):
    return np.random.default_rng(1).standard_normal(
        (num, channels, length)).astype(np.float32)


def _apply(transform, windows, seed=0, **extra):
    np.random.seed(seed)
    return transform(dict(signal=windows.copy(), **extra))['signal']


def test_amplitude_scale():
    windows = _windows()
    out = _apply(RandomAmplitudeScale((0.5, 2.0)), windows)
    np.random.seed(0)
    np.random.rand(3)
    scale = np.random.uniform(0.5, 2.0, (3, 1, 1)).astype(np.float32)
    np.testing.assert_array_equal(out, windows * scale)
    per_channel = _apply(
        RandomAmplitudeScale((0.5, 2.0), per_channel=True), windows)
    ratio = per_channel / windows
    assert not np.allclose(ratio[:, 0], ratio[:, 1])
    assert ((ratio >= 0.5 - 1e-5) & (ratio <= 2.0 + 1e-5)).all()


def test_prob_picks_windows():
    windows = _windows(num=8)
    out = _apply(RandomAmplitudeScale((2.0, 2.0), prob=0.5), windows, seed=4)
    np.random.seed(4)
    chosen = np.random.rand(8) < 0.5
    assert 0 < chosen.sum() < 8
    np.testing.assert_array_equal(out[chosen], 2 * windows[chosen])
    np.testing.assert_array_equal(out[~chosen], windows[~chosen])
    np.testing.assert_array_equal(
        _apply(GaussianNoise(prob=0.0), windows), windows)


def test_gaussian_noise():
    windows = _windows()
    out = _apply(GaussianNoise(std=0.3), windows, seed=2)
    np.random.seed(2)
    np.random.rand(3)
    noise = np.random.normal(0, 0.3, windows.shape).astype(np.float32)
    np.testing.assert_array_equal(out, windows + noise)


def test_baseline_wander():
    windows = np.zeros((2, 3, 500), np.float32)
    out = _apply(BaselineWander(0.2, (0.1, 0.4)), windows, seed=5,
                 sampling_rate=100)
    np.random.seed(5)
    np.random.rand(2)
    amp = np.random.uniform(0, 0.2, 2)
    freq = np.random.uniform(0.1, 0.4, 2)
    phase = np.random.uniform(0, 2 * np.pi, 2)
    t = np.arange(500) / 100
    for i in range(2):
        expected = amp[i] * np.sin(2 * np.pi * freq[i] * t + phase[i])
        for c in range(3):  # the same drift on every channel
            np.testing.assert_allclose(out[i, c], expected, atol=1e-6)
    with pytest.raises(ValueError, match='sampling_rate'):
        BaselineWander()(dict(signal=windows))


@pytest.mark.parametrize('mode', ['roll', 'constant'])
def test_time_shift(mode):
    windows = np.tile(np.arange(1, 11, dtype=np.float32), (4, 1, 1))
    out = _apply(RandomTimeShift(max_shift=3, mode=mode), windows, seed=7)
    np.random.seed(7)
    np.random.rand(4)
    shifts = np.random.randint(-3, 4, 4)
    for window, shift in zip(out, shifts):
        expected = np.roll(np.arange(1, 11), shift)
        if mode == 'constant' and shift > 0:
            expected[:shift] = 0
        elif mode == 'constant' and shift < 0:
            expected[shift:] = 0
        assert window[0].tolist() == expected.tolist()
    # A float max_shift is a fraction of the window.
    np.random.seed(7)
    np.random.rand(4)
    assert (np.random.randint(-3, 4, 4) == shifts).all()
    np.testing.assert_array_equal(
        _apply(RandomTimeShift(0.3, mode=mode), windows, seed=7), out)


def test_random_mask():
    windows = np.ones((2, 2, 30), np.float32)
    out = _apply(RandomMask(max_len=5, num_masks=2, value=-1.0), windows,
                 seed=9)
    np.random.seed(9)
    np.random.rand(2)
    expected = windows.copy()
    for i in range(2):
        for _ in range(2):
            size = np.random.randint(1, 6)
            start = np.random.randint(0, 30 - size + 1)
            expected[i, :, start:start + size] = -1.0
    np.testing.assert_array_equal(out, expected)
    assert (out == -1).any()


def test_works_on_a_memmapped_record(tmp_path):
    record = np.arange(10, dtype=np.float32)[None]
    np.save(tmp_path / 'r.npy', record)
    mapped = np.load(tmp_path / 'r.npy', mmap_mode='r')
    out = _apply(RandomAmplitudeScale((3.0, 3.0)), mapped)
    np.testing.assert_array_equal(out, 3 * record)
    np.testing.assert_array_equal(np.load(tmp_path / 'r.npy'), record)


def test_reprs_and_errors():
    assert repr(GaussianNoise(std=0.1, prob=0.5)) == \
        'GaussianNoise(prob=0.5, std=0.1)'
    assert repr(RandomMask()) == \
        'RandomMask(prob=1.0, max_len=0.1, num_masks=1, value=0.0)'
    assert 'freq_range=(0.05, 0.5)' in repr(BaselineWander())
    assert "mode='roll'" in repr(RandomTimeShift())
    assert 'scale_range=(0.8, 1.25)' in repr(RandomAmplitudeScale())
    with pytest.raises(ValueError, match=r'prob=2'):
        GaussianNoise(prob=2)
    with pytest.raises(ValueError, match="'roll' or 'constant'"):
        RandomTimeShift(mode='reflect')
