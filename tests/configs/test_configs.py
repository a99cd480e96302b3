# Copyright (c) nl1d contributors. All rights reserved.
"""Every shipped config parses and builds its model, and the recipes keep
their promises (short dataset configs, lr stated for the batch they run)."""
import glob
import os.path as osp
import re

import pytest
import torch
from mmaction.registry import MODELS
from mmengine.config import Config
from mmengine.registry import init_default_scope

import nl1d  # noqa: F401
from tests.tools.tiny_signal_utils import REPO

CONFIGS = sorted(
    osp.relpath(p, REPO)
    for p in glob.glob(osp.join(REPO, 'configs', 'nl1d', '**', '*.py'),
                       recursive=True))


@pytest.mark.parametrize('config', CONFIGS)
def test_config_builds_and_runs(config):
    cfg = Config.fromfile(osp.join(REPO, config))
    init_default_scope('mmaction')
    model = MODELS.build(cfg.model).eval()
    channels = cfg.model.backbone.get('in_channels', 1)
    with torch.no_grad():
        scores, _ = model.extract_feat(
            torch.randn(2, 1, channels, 256), stage='head')
    assert scores.shape == (2, cfg.model.cls_head.num_classes)
    # batch size stated in the name (`1xb16`, `8xb32`) is the one the
    # dataloader runs and the one auto_scale_lr scales from
    found = re.search(r'_(\d+)xb(\d+)', osp.basename(config))
    if found:
        gpus, batch = int(found.group(1)), int(found.group(2))
        assert cfg.train_dataloader.batch_size == batch
        assert cfg.auto_scale_lr.base_batch_size == gpus * batch


def _code_lines_of(text):
    return [line for line in text.splitlines()
            if line.strip() and not line.lstrip().startswith('#')]


def _code_lines(path):
    with open(path) as f:
        return _code_lines_of(f.read())


@pytest.mark.parametrize(
    'config', [c for c in CONFIGS if re.match(r'configs/nl1d/ucr/.*_ucr-', c)])
def test_a_ucr_dataset_needs_at_most_ten_lines(config):
    assert len(_code_lines(osp.join(REPO, config))) <= 10


def test_the_readme_ucr_snippet_is_the_slicing_recipe(tmp_path):
    """configs/nl1d/README.md's "Adding a dataset" config, written next to
    the UCR configs as a user would, inherits window slicing and reads the
    new set's data."""
    with open(osp.join(REPO, 'configs', 'nl1d', 'README.md')) as f:
        readme = f.read()
    section = readme[readme.index('## Adding a dataset'):]
    snippet = re.search(r'```python\n# (configs/nl1d/ucr/\S+\.py)\n(.*?)```',
                        section, re.S)
    assert snippet is not None
    code = snippet.group(2)
    assert len(_code_lines_of(code)) <= 10
    # `_base_` is relative to the file: point it at the shipped folder
    code = code.replace("_base_ = ['", "_base_ = ['" + osp.join(
        REPO, 'configs', 'nl1d', 'ucr') + '/')
    path = tmp_path / osp.basename(snippet.group(1))
    path.write_text(code)
    cfg = Config.fromfile(str(path))
    train = cfg.train_dataloader.dataset
    test = cfg.test_dataloader.dataset
    assert train.data_root == test.data_root == 'data/ucr/FordA'
    assert train.pipeline[1] == dict(type='SampleWindows', clip_len=0.9)
    assert test.pipeline[1] == dict(type='SampleWindows', clip_len=0.9,
                                    num_clips=5, test_mode=True)
    assert cfg.model.cls_head.num_classes == 2
    assert cfg.model.neck is not None  # the non-local R18
