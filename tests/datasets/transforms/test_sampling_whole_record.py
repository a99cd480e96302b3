# Copyright (c) nl1d contributors. All rights reserved.
"""SampleWindows(clip_len=None): each record whole, as one window."""
import numpy as np
import pytest

from nl1d.datasets.transforms import SampleWindows


@pytest.mark.parametrize('test_mode', [False, True])
def test_whole_record_is_one_window(test_mode):
    signal = np.arange(2 * 96, dtype=np.float32).reshape(2, 96)
    results = SampleWindows(clip_len=None, test_mode=test_mode).transform(
        dict(signal=signal, total_frames=96, start_index=0))
    assert results['signal'].shape == (1, 2, 96)
    np.testing.assert_array_equal(results['signal'][0], signal)
    assert results['clip_len'] == 96 and results['num_clips'] == 1
    np.testing.assert_array_equal(results['frame_inds'], np.arange(96))


def test_whole_record_refuses_several_windows():
    with pytest.raises(ValueError, match='num_clips=5'):
        SampleWindows(clip_len=None, num_clips=5)
    with pytest.raises(ValueError, match='stride=10'):
        SampleWindows(clip_len=None, test_mode=True, stride=10)
