# Copyright (c) nl1d contributors. All rights reserved.
import numpy as np
import pytest
from scipy.signal import resample_poly

import nl1d  # noqa: F401
from nl1d.datasets.transforms import ResampleSignal


def test_matches_resample_poly_and_updates_keys():
    record = np.random.default_rng(0).standard_normal(
        (2, 3000)).astype(np.float32)
    results = ResampleSignal(target_rate=100)(
        dict(signal=record, sampling_rate=300, num_samples=3000,
             total_frames=3000))
    expected = resample_poly(record, 1, 3, axis=-1)
    assert results['signal'].dtype == np.float32
    np.testing.assert_allclose(results['signal'], expected, rtol=1e-6)
    assert results['signal'].shape == (2, 1000)
    assert results['num_samples'] == results['total_frames'] == 1000
    assert results['sampling_rate'] == 100


@pytest.mark.parametrize('rate, target, length', [(300, 250, 9001),
                                                  (100, 128, 777),
                                                  (250, 100, 5)])
def test_output_length(rate, target, length):
    transform = ResampleSignal(target_rate=target)
    out = transform(dict(signal=np.zeros((1, length), np.float32),
                         sampling_rate=rate))['signal']
    assert out.shape[-1] == transform.output_length(length, rate)


def test_keeps_a_sine_frequency():
    t = np.arange(3000) / 300
    record = np.sin(2 * np.pi * 5 * t)[None].astype(np.float32)
    out = ResampleSignal(target_rate=100)(
        dict(signal=record, sampling_rate=300))['signal'][0]
    spectrum = np.abs(np.fft.rfft(out))
    freqs = np.fft.rfftfreq(out.size, d=1 / 100)
    assert freqs[spectrum.argmax()] == pytest.approx(5.0)


def test_same_rate_is_a_no_op_and_errors():
    record = np.zeros((1, 10), np.float32)
    results = ResampleSignal(target_rate=100)(
        dict(signal=record, sampling_rate=100))
    assert results['signal'] is record
    with pytest.raises(ValueError, match='sampling_rate'):
        ResampleSignal(target_rate=100)(dict(signal=record))
    with pytest.raises(ValueError, match='target_rate > 0'):
        ResampleSignal(target_rate=0)
    assert repr(ResampleSignal(50)) == (
        "ResampleSignal(target_rate=50, max_denominator=1000, "
        "window=('kaiser', 5.0))")
