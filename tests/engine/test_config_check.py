# Copyright (c) nl1d contributors. All rights reserved.
"""A model that disagrees with its data fails before anything is built,
naming the key, the file and the fix; the rest (unknown types, misspelled
arguments, missing files) is mmengine's and the dataset's to report."""
import os.path as osp

import pytest
from mmengine.config import Config

import nl1d  # noqa: F401  # before mmaction.models
from nl1d.engine.config_check import ConfigError, check_config
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


def test_compile_is_refused_in_training_with_the_reason(cfg):
    cfg.compile = True
    message = _problems(cfg)
    assert 'compile:' in message and 'remove `compile`' in message
    check_config(cfg, mode='test')  # tools/test.py compiles nothing


def test_a_schedule_beginning_after_the_last_epoch_is_refused(cfg):
    cfg.train_cfg.max_epochs = 2
    cfg.param_scheduler = [
        dict(type='LinearLR', start_factor=0.01, by_epoch=True, end=10),
        dict(type='CosineAnnealingLR', by_epoch=True, begin=10)]
    message = _problems(cfg)
    assert 'param_scheduler[1] (CosineAnnealingLR) begins at epoch 10' in \
        message and 'train_cfg.max_epochs is 2' in message
    assert 'param_scheduler[0]' not in message
    cfg.train_cfg.max_epochs = 11
    check_config(cfg)
    cfg.param_scheduler = dict(type='MultiStepLR', begin=20, milestones=[30])
    assert 'param_scheduler[0] (MultiStepLR)' in _problems(cfg)
    check_config(cfg, mode='test')  # testing runs no schedule


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


@pytest.mark.slow
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


# ------------------------------------------- save_best on small validation
def _write_val(path, labels):
    """An annotation file with these labels (the check reads labels only)."""
    path.write_text(''.join(f'signals/v{i}.npy 192 {label}\n'
                            for i, label in enumerate(labels)))
    return str(path)


def test_save_best_on_tiny_validation_warns(cfg):
    """The tiny data hold 5 validation records: the ranking is noise."""
    warnings = check_config(cfg)
    assert len(warnings) == 1
    message = warnings[0]
    assert "default_hooks.checkpoint.save_best='auc/auroc'" in message
    assert 'val.txt (val_dataloader), which has 5 records and 2 of its ' \
        'rarest class (label 1)' in message
    assert 'save_best=None' in message and 'configs/nl1d/ucr/' in message
    assert "rule='greater_or_equal'" in message
    assert check_config(cfg, mode='test') == []  # testing selects nothing


def test_no_warning_without_save_best_or_validation(cfg):
    cfg.default_hooks.checkpoint.save_best = None
    assert check_config(cfg) == []
    cfg.default_hooks.checkpoint.save_best = 'auc/auroc'
    cfg.val_cfg = None
    assert check_config(cfg) == []


def test_rarest_class_counts(cfg, tmp_path):
    val = cfg.val_dataloader.dataset
    val.ann_file = _write_val(tmp_path / 'big.txt', [0, 1] * 30)
    assert check_config(cfg) == []  # 60 records, 30 of each class
    val.ann_file = _write_val(tmp_path / 'rare.txt', [0] * 55 + [1] * 5)
    (message, ) = check_config(cfg)
    assert 'has 60 records and 5 of its rarest class (label 1)' in message
    # a class of the head absent from validation is the rarest (0 records)
    cfg.model.cls_head.num_classes = 3
    val.ann_file = _write_val(tmp_path / 'big.txt', [0, 1] * 30)
    (message, ) = check_config(cfg)
    assert '0 of its rarest class (label 2)' in message
