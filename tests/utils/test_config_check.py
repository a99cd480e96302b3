# Copyright (c) nl1d contributors. All rights reserved.
"""Configs fail before the first iteration, naming the key or the file
(issue 6, item 5)."""
import os.path as osp

import pytest
from mmengine.config import Config

import nl1d  # noqa: F401  # before mmaction.models
from nl1d.utils.config_check import (ConfigError, accepted_arguments,
                                     check_config)
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
    cfg.load_from = TINY_CONFIG  # any existing file
    check_config(cfg, mode='test')


def test_unknown_type(cfg):
    cfg.model.backbone.type = 'ResNet1D'
    cfg.val_dataloader.dataset.pipeline[1].type = 'SampleWindow'
    message = _problems(cfg)
    assert ("model.backbone.type: 'ResNet1D' is not registered in "
            "mmaction::model. Did you mean 'ResNet1d'") in message
    assert ("val_dataloader.dataset.pipeline[1].type: 'SampleWindow' is not "
            "registered in mmaction::transform. Did you mean "
            "'SampleWindows'") in message


def test_misspelled_argument(cfg):
    cfg.model.backbone.in_chanels = 2
    cfg.train_dataloader.dataset.num_clases = 2
    cfg.optim_wrapper.optimizer.momentun = 0.9
    message = _problems(cfg)
    assert ("model.backbone.in_chanels: ResNet1d takes no argument "
            "'in_chanels'. Did you mean 'in_channels'") in message
    # followed through **kwargs into BaseDataset, still an error
    assert ("train_dataloader.dataset.num_clases: SignalDataset takes no "
            "argument 'num_clases'. Did you mean 'num_classes'") in message
    assert "optim_wrapper.optimizer.momentun: SGD takes no argument" in \
        message


def test_in_channels_disagree_with_data(cfg):
    cfg.model.backbone.in_channels = 12
    message = _problems(cfg)
    assert 'model.backbone.in_channels=12' in message
    assert 'has 2 channels' in message
    assert 'set model.backbone.in_channels=2' in message


def test_labels_outside_num_classes(cfg):
    cfg.model.cls_head.num_classes = 1
    assert 'model.cls_head.num_classes=1' in _problems(cfg)


def test_missing_annotation_file_and_checkpoint(cfg):
    cfg.val_dataloader.dataset.ann_file = '/nonexistent/val.txt'
    assert "val_dataloader.dataset.ann_file: '/nonexistent/val.txt' does " \
        'not exist' in _problems(cfg)
    cfg.test_dataloader.dataset.ann_file = '/nonexistent/test.txt'
    cfg.load_from = '/nonexistent/epoch_1.pth'
    message = _problems(cfg, mode='test')
    assert "'/nonexistent/test.txt' does not exist" in message
    assert "checkpoint: '/nonexistent/epoch_1.pth' does not exist" in message
    assert 'val.txt' not in message  # only the loaders that will run


def test_accepted_arguments():
    from mmaction.registry import DATASETS, HOOKS, MODELS
    assert 'in_channels' in accepted_arguments(MODELS.get('ResNet1d'))
    # SignalDataset(**kwargs) -> BaseActionDataset -> BaseDataset
    assert {'num_classes', 'data_root', 'lazy_init'} <= accepted_arguments(
        DATASETS.get('SignalDataset'))
    # CheckpointHook keeps its **kwargs for torch.save: anything goes
    assert accepted_arguments(HOOKS.get('CheckpointHook')) is None


def test_train_fails_before_first_iteration(tmp_path):
    data = write_tiny_dataset(str(tmp_path / 'data'))
    work_dir = str(tmp_path / 'w')
    proc = run_tool([
        'tools/train.py', TINY_CONFIG, '--work-dir', work_dir,
        '--cfg-options', 'model.cls_head.dropout_ration=0.1'
    ], data, check=False)
    assert proc.returncode != 0
    assert 'model.cls_head.dropout_ration' in proc.stderr
    assert "Did you mean 'dropout_ratio'" in proc.stderr
    assert not osp.exists(work_dir)  # nothing was built or written
