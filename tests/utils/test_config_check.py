# Copyright (c) nl1d contributors. All rights reserved.
"""A model that disagrees with its data fails before anything is built,
naming the key, the file and the fix; the rest (unknown types, misspelled
arguments, missing files) is mmengine's and the dataset's to report."""
import os.path as osp

import pytest
from mmengine.config import Config

import nl1d  # noqa: F401  # before mmaction.models
from nl1d.utils.config_check import ConfigError, check_config
from tests.tools.tiny_signal_utils import (TINY_CONFIG, run_tool,
                                           write_tiny_dataset)


@pytest.fixture
def cfg(tmp_path, monkeypatch):
    data = write_tiny_dataset(str(tmp_path / 'data'))
    monkeypatch.setenv('NL1D_TINY_DATA', data)
    return Config.fromfile(TINY_CONFIG)


def _problems(cfg, mode='train') -> str:
    with pytest.raises(ConfigError) as info:
        check_config(cfg, mode=mode)
    return str(info.value)


def test_valid_config_passes(cfg):
    check_config(cfg)
    check_config(cfg, mode='test')


def test_in_channels_disagree_with_data(cfg):
    cfg.model.backbone.in_channels = 12
    message = _problems(cfg)
    assert 'model.backbone.in_channels=12' in message
    assert 'has 2 channels' in message
    assert 'set model.backbone.in_channels=2' in message
    assert 'train.txt' in message and 'val.txt' in message


def test_labels_outside_num_classes(cfg):
    cfg.model.cls_head.num_classes = 1
    message = _problems(cfg, mode='test')
    assert 'model.cls_head.num_classes=1' in message
    assert 'test.txt (test_dataloader) has labels [1]' in message
    assert 'train.txt' not in message  # only the loaders that will run


def test_data_root_and_wrapped_datasets(cfg, tmp_path):
    data_root = osp.dirname(cfg.train_dataloader.dataset.ann_file)
    dataset = cfg.train_dataloader.dataset
    dataset.update(data_root=data_root, ann_file='train.txt',
                   data_prefix=dict(signal=''))
    cfg.train_dataloader.dataset = dict(type='RepeatDataset', times=2,
                                        dataset=dataset)
    cfg.model.backbone.in_channels = 3
    assert osp.join(data_root, 'train.txt') in _problems(cfg)


def test_unreadable_input_is_left_to_the_dataset(cfg, tmp_path):
    """A missing annotation file, or a malformed one, is the dataset's to
    report (with every problem and its line) when it is built."""
    cfg.train_dataloader.dataset.ann_file = str(tmp_path / 'missing.txt')
    bad = tmp_path / 'bad.txt'
    bad.write_text('not a record\n')
    cfg.val_dataloader.dataset.ann_file = str(bad)
    check_config(cfg)


def test_train_fails_before_anything_is_built(tmp_path):
    data = write_tiny_dataset(str(tmp_path / 'data'))
    work_dir = str(tmp_path / 'w')
    proc = run_tool([
        'tools/train.py', TINY_CONFIG, '--work-dir', work_dir,
        '--cfg-options', 'model.backbone.in_channels=3'
    ], data, check=False)
    assert proc.returncode != 0
    assert 'set model.backbone.in_channels=2' in proc.stderr
    assert not osp.exists(work_dir)  # nothing was built or written
