# Copyright (c) nl1d contributors. All rights reserved.
"""SampleWindows with a float clip_len: a fraction of each record."""
import numpy as np
import pytest
from mmaction.registry import DATASETS
from mmengine.config import Config

from nl1d.apis.onnx_export import example_input_shape
from nl1d.datasets.transforms import SampleWindows


def _windows(transform, length, seed=0):
    np.random.seed(seed)
    signal = np.arange(length, dtype=np.float32)[None]  # (1, T)
    return transform.transform(
        dict(signal=signal, total_frames=length, start_index=0))


@pytest.mark.parametrize('kwargs', [
    dict(),  # one random training slice
    dict(num_clips=3),  # one random slice per segment
    dict(num_clips=5, test_mode=True),  # uniform test slices
])
def test_fraction_equals_its_length_in_samples(kwargs):
    """0.9 of a 720-sample series cuts what clip_len=648 cuts, draw for
    draw, so a config may state either."""
    for seed in range(5):
        frac = _windows(SampleWindows(clip_len=0.9, **kwargs), 720, seed)
        ints = _windows(SampleWindows(clip_len=648, **kwargs), 720, seed)
        assert frac['signal'].shape == ints['signal'].shape
        np.testing.assert_array_equal(frac['signal'], ints['signal'])
        np.testing.assert_array_equal(frac['frame_inds'], ints['frame_inds'])
        assert frac['clip_len'] == 648


def test_each_record_gets_its_own_length():
    transform = SampleWindows(clip_len=0.9, num_clips=5, test_mode=True)
    short = _windows(transform, 100)
    assert short['signal'].shape == (5, 1, 90)
    # Test slices are spread from the start to the end of the record.
    assert short['signal'][0, 0, 0] == 0 and short['signal'][-1, 0, -1] == 99
    assert _windows(transform, 2000)['signal'].shape == (5, 1, 1800)
    # Never an empty window; 1.0 is the whole record.
    assert _windows(SampleWindows(clip_len=0.01), 20)['clip_len'] == 1
    whole = _windows(SampleWindows(clip_len=1.0, num_clips=2,
                                   test_mode=True), 50)
    assert whole['signal'].shape == (2, 1, 50)
    np.testing.assert_array_equal(whole['signal'][1, 0], np.arange(50))


@pytest.mark.parametrize('clip_len, hint', [(1.5, 'clip_len=1'),
                                            (2000.0, 'clip_len=2000'),
                                            (0.0, 'clip_len=0')])
def test_fraction_outside_unit_interval_is_refused(clip_len, hint):
    with pytest.raises(ValueError, match=r'fraction .* \(0, 1\]') as err:
        SampleWindows(clip_len=clip_len)
    assert hint in str(err.value)


def test_dataset_accepts_a_fraction_of_short_records(make_records):
    """The dataset's check for a window longer than every record does not
    mistake a fraction for a length."""
    ann, root = make_records([120, 120])
    dataset = DATASETS.build(dict(
        type='SignalDataset', ann_file=str(ann),
        data_prefix=dict(signal=str(root)), num_classes=2,
        pipeline=[dict(type='LoadSignal'),
                  dict(type='SampleWindows', clip_len=0.5),
                  dict(type='PackSignalInputs')]))
    assert dataset[0]['inputs'].shape == (1, 1, 60)


def test_onnx_export_asks_for_a_length_instead_of_a_fraction():
    cfg = Config.fromfile('configs/nl1d/nl_r18_res5_8xb32_signal.py')
    cfg.test_dataloader.dataset.pipeline[1].update(clip_len=0.9)
    with pytest.raises(ValueError, match='fraction .*--length L'):
        example_input_shape(cfg)
    assert example_input_shape(cfg, length=720)[-1] == 720
