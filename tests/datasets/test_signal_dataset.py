# Copyright (c) nl1d contributors. All rights reserved.
import numpy as np
import pytest
import torch
from mmaction.registry import DATASETS
from mmaction.structures import ActionDataSample

from nl1d.datasets import SignalDataset

TRAIN_PIPELINE = [
    dict(type='LoadSignal'),
    dict(type='SampleWindows', clip_len=2000, num_clips=1),
    dict(type='PackSignalInputs')
]
TEST_PIPELINE = [
    dict(type='LoadSignal'),
    dict(type='SampleWindows', clip_len=2000, num_clips=5, test_mode=True),
    dict(type='PackSignalInputs')
]


def build(ann, root, pipeline=TRAIN_PIPELINE, **kwargs):
    cfg = dict(
        type='SignalDataset',
        ann_file=str(ann),
        data_prefix=dict(signal=str(root)),
        pipeline=pipeline,
        num_classes=2,
        sampling_rate=100)
    cfg.update(kwargs)
    return DATASETS.build(cfg)


def test_data_infos(make_records):
    ann, root = make_records([2048, 3000, 2500], channels=2,
                             labels=[0, 1, 1])
    dataset = build(ann, root)
    assert isinstance(dataset, SignalDataset)
    assert len(dataset) == 3
    info = dataset.get_data_info(1)
    assert info['filename'] == str(root / 'signals/rec001.npy')
    assert info['num_samples'] == info['total_frames'] == 3000
    assert info['label'] == 1
    assert info['sampling_rate'] == 100
    assert info['start_index'] == 0
    assert info['ann_line'] == 2


def test_train_and_test_pipelines(make_records):
    ann, root = make_records([2048, 3000], channels=3, labels=[0, 1])
    train = build(ann, root)[1]
    assert train['inputs'].shape == (1, 3, 2000)
    assert train['inputs'].dtype == torch.float32
    sample = train['data_samples']
    assert isinstance(sample, ActionDataSample)
    assert sample.gt_label.tolist() == [1]
    assert sample.metainfo['num_samples'] == 3000
    assert sample.metainfo['filename'].endswith('rec001.npy')
    # The window is a contiguous stretch of the record.
    record = np.load(root / 'signals/rec001.npy')
    start = int(sample.metainfo['frame_inds'][0])
    np.testing.assert_array_equal(train['inputs'][0].numpy(),
                                  record[:, start:start + 2000])

    test = build(ann, root, pipeline=TEST_PIPELINE, test_mode=True)[1]
    assert test['inputs'].shape == (5, 3, 2000)
    # Uniform windows: first starts at 0, last ends at the record's end.
    np.testing.assert_array_equal(test['inputs'][0].numpy(),
                                  record[:, :2000])
    np.testing.assert_array_equal(test['inputs'][-1].numpy(),
                                  record[:, -2000:])


def test_default_collate_to_batch(make_records):
    from mmengine.dataset import pseudo_collate
    ann, root = make_records([2048, 2100])
    dataset = build(ann, root)
    batch = pseudo_collate([dataset[0], dataset[1]])
    assert torch.stack(batch['inputs']).shape == (2, 1, 1, 2000)


# Bad input: each case stops the build with the file, the annotation line
# and what to do.


def _lines(ann):
    return ann.read_text().splitlines()


def _build_error(ann, root, **kwargs):
    with pytest.raises(ValueError) as info:
        build(ann, root, **kwargs)
    message = str(info.value)
    assert str(ann) in message and 'nothing was changed' in message
    return message


def test_missing_annotation_file(tmp_path):
    with pytest.raises(FileNotFoundError, match='missing.txt does not exist'):
        build(tmp_path / 'missing.txt', tmp_path)


def test_missing_signal_file(make_records):
    ann, root = make_records([2048, 2048])
    (root / 'signals/rec001.npy').unlink()
    message = _build_error(ann, root)
    assert 'line 2: signal file' in message
    assert 'rec001.npy does not exist' in message
    assert 'data_prefix' in message


@pytest.mark.parametrize('damage', ['truncate', 'corrupt'])
def test_truncated_or_corrupt_file(make_records, damage):
    ann, root = make_records([2048, 2048])
    path = root / 'signals/rec000.npy'
    data = path.read_bytes()
    path.write_bytes(data[:len(data) // 2] if damage == 'truncate' else
                     b'\x00' * len(data))
    message = _build_error(ann, root)
    assert 'line 1: signal file' in message
    assert 'truncated or corrupt' in message and 'np.save' in message


@pytest.mark.parametrize('bad', [np.nan, np.inf, -np.inf])
def test_nan_or_inf(make_records, bad):
    ann, root = make_records([2048, 2048], channels=2)
    path = root / 'signals/rec001.npy'
    signal = np.load(path)
    signal[1, 1234] = bad
    np.save(path, signal)
    message = _build_error(ann, root)
    assert f'line 2: signal file {path} contains {bad} at channel 1, ' \
        'sample 1234' in message
    assert 'interpolate' in message
    # Without the value scan, the build succeeds (only headers are read).
    assert len(build(ann, root, check_values=False)) == 2


def test_channel_count_against_config(make_records):
    ann, root = make_records([2048, 2048], channels=2)
    message = _build_error(ann, root, num_channels=1)
    assert 'line 1: signal file' in message and 'line 2:' in message
    assert 'has 2 channels' in message and 'num_channels=1' in message
    # The count may also come from LoadSignal in the pipeline.
    pipeline = [dict(type='LoadSignal', num_channels=3)] + TRAIN_PIPELINE[1:]
    assert 'num_channels=3' in _build_error(ann, root, pipeline=pipeline)


def test_channel_count_between_records(make_records):
    ann, root = make_records([2048, 2048])
    np.save(root / 'signals/rec001.npy', np.zeros((2, 2048), np.float32))
    message = _build_error(ann, root)
    assert 'line 2' in message and 'record on line 1 has 1' in message


def test_empty_and_malformed_lines(make_records):
    ann, root = make_records([2048, 2048, 2048])
    lines = _lines(ann)
    lines[1] = ''
    lines[2] = lines[2].replace(' 2048 ', ' 2048.5 ')
    ann.write_text('\n'.join(lines + ['signals/rec000.npy 2048']) + '\n\n')
    message = _build_error(ann, root)
    assert 'line 2 is empty' in message
    assert 'line 3 `signals/rec002.npy 2048.5 0`: num_samples and label ' \
        'must be integers' in message
    assert 'line 4 `signals/rec000.npy 2048` has 2 fields' in message
    assert '3 problem(s)' in message  # trailing blank lines are fine


def test_empty_annotation_file(tmp_path):
    (tmp_path / 'empty.txt').write_text('\n')
    assert 'lists no record' in _build_error(tmp_path / 'empty.txt',
                                             tmp_path)


@pytest.mark.parametrize('label', [2, -1])
def test_label_outside_num_classes(make_records, label):
    ann, root = make_records([2048, 2048], labels=[0, label])
    message = _build_error(ann, root)
    assert f'line 2: label {label} is outside [0, num_classes=2)' in message


def test_window_longer_than_every_record(make_records):
    ann, root = make_records([1500, 1999])
    message = _build_error(ann, root)
    assert 'SampleWindows(clip_len=2000' in message
    assert 'longest has 1999 samples' in message and 'lower clip_len' in \
        message


def test_short_records_are_padded(make_records):
    ann, root = make_records([1500, 2048], labels=[1, 0])
    dataset = build(ann, root, pipeline=TEST_PIPELINE, test_mode=True)
    inputs = dataset[0]['inputs']
    assert inputs.shape == (5, 1, 2000)
    record = np.load(root / 'signals/rec000.npy')
    np.testing.assert_array_equal(inputs[0, :, :1500].numpy(), record)
    assert not inputs[:, :, 1500:].any()


def test_num_samples_disagrees_with_file(make_records):
    ann, root = make_records([2048, 2048])
    lines = _lines(ann)
    lines[0] = lines[0].replace(' 2048 ', ' 2100 ')
    ann.write_text('\n'.join(lines) + '\n')
    message = _build_error(ann, root)
    assert 'line 1: signal file' in message
    assert 'has 2048 samples' in message and 'says 2100' in message


def test_all_problems_listed_and_files_untouched(make_records):
    ann, root = make_records([2048] * 30, labels=[5] * 30)
    before = {p: p.read_bytes() for p in root.rglob('*') if p.is_file()}
    message = _build_error(ann, root)
    assert '30 problem(s)' in message and '... and 10 more' in message
    assert before == {p: p.read_bytes() for p in root.rglob('*')
                      if p.is_file()}


def test_window_check_follows_resampling(make_records):
    ann, root = make_records([3000, 6300])
    resampled = [
        dict(type='LoadSignal'),
        dict(type='ResampleSignal', target_rate=100),
        dict(type='SampleWindows', clip_len=2000),
        dict(type='PackSignalInputs')
    ]
    # 6300 samples at 300 Hz are 2100 at 100 Hz: one record holds a window.
    dataset = build(ann, root, pipeline=resampled, sampling_rate=300)
    assert dataset[1]['inputs'].shape == (1, 1, 2000)
    message = _build_error(ann, root, pipeline=resampled, sampling_rate=600)
    assert 'longest has 1050 samples' in message
