# Copyright (c) nl1d contributors. All rights reserved.
import numpy as np
import pytest

import nl1d  # noqa: F401
from nl1d.datasets.transforms import ZScoreNormalize


def test_record_mode():
    record = np.array([[1, 2, 3, 4], [5, 5, 5, 5]], np.float32)
    out = ZScoreNormalize(mode='record')(dict(signal=record))['signal']
    std = np.std([1, 2, 3, 4])
    np.testing.assert_allclose(out[0], (np.array([1, 2, 3, 4]) - 2.5) / std,
                               rtol=1e-6)
    np.testing.assert_array_equal(out[1], 0)  # flat channel: centred only
    assert out.dtype == np.float32


def test_window_mode():
    rng = np.random.default_rng(0)
    windows = (rng.standard_normal((3, 2, 50)) * 7 + 4).astype(np.float32)
    out = ZScoreNormalize()(dict(signal=windows))['signal']
    np.testing.assert_allclose(out.mean(-1), 0, atol=1e-6)
    np.testing.assert_allclose(out.std(-1), 1, rtol=1e-5)
    np.testing.assert_allclose(
        out[1, 0], (windows[1, 0] - windows[1, 0].mean()) /
        windows[1, 0].std(), rtol=1e-5)


def test_wrong_place_and_repr():
    with pytest.raises(ValueError, match='after SampleWindows'):
        ZScoreNormalize(mode='window')(dict(signal=np.zeros((2, 5))))
    with pytest.raises(ValueError, match='between LoadSignal'):
        ZScoreNormalize(mode='record')(dict(signal=np.zeros((1, 2, 5))))
    with pytest.raises(ValueError, match="'record' or 'window'"):
        ZScoreNormalize(mode='clip')
    assert repr(ZScoreNormalize('record')) == \
        "ZScoreNormalize(mode='record', eps=1e-06)"
