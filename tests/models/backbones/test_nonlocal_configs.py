# Copyright (c) nl1d contributors. All rights reserved.
"""The issue-3 experiment configs: where their non-local blocks sit, and that
each model starts as its no-non-local baseline (every block an identity)."""
import os.path as osp

import pytest
import torch
from mmengine import Config

from nl1d.models.backbones import ResNet1d
from nl1d.models.layers import NonLocal1d

CONFIG_DIR = osp.join(osp.dirname(__file__), '..', '..', '..', 'configs',
                      'nl1d')
PLACEMENT = {
    'nl_r18_res2': ['layer1.0'],
    'nl_r18_res3': ['layer2.0'],
    'nl_r18_res4': ['layer3.0'],
    'nl_r34_res2': ['layer1.1'],
    'nl_r34_res3': ['layer2.2'],
    'nl_r34_res4': ['layer3.4'],
    'nl_r50_res2': ['layer1.1'],
    'nl_r50_res3': ['layer2.2'],
    'nl_r50_res4': ['layer3.4'],
    'nl5_r50_res3-res4':
    ['layer2.1', 'layer2.3', 'layer3.1', 'layer3.3', 'layer3.5'],
    'r18': [],
    'r34': [],
}


def _backbone(name: str, **overrides) -> ResNet1d:
    cfg = Config.fromfile(osp.join(CONFIG_DIR, f'{name}_8xb32_signal.py'))
    backbone = dict(cfg.model.backbone, **overrides)
    assert backbone.pop('type') == 'ResNet1d'
    return ResNet1d(**backbone)


@pytest.mark.parametrize('name', sorted(PLACEMENT))
def test_config_places_non_local_blocks(name):
    model = _backbone(name)
    placed = [n[:-len('.non_local_block')] for n, m in model.named_modules()
              if isinstance(m, NonLocal1d)]
    assert placed == PLACEMENT[name]
    depth = int(name.split('_r')[1][:2]) if '_r' in name else int(name[1:])
    assert model.depth == depth
    if placed:
        block = model.get_submodule(placed[0]).non_local_block
        assert block.sub_sample and block.mode == 'embedded_gaussian'
        assert block.conv_out.with_norm


@pytest.mark.parametrize('name, baseline', [('nl_r18_res3', 'r18'),
                                            ('nl5_r50_res3-res4', 'r50')])
def test_config_starts_as_its_baseline(name, baseline):
    torch.manual_seed(0)
    model = _backbone(name, base_channels=16)  # narrow: a fast test
    model.init_weights()
    reference = _backbone(f'{baseline}', base_channels=16)
    reference.load_state_dict(model.state_dict(), strict=False)
    model.eval(), reference.eval()
    x = torch.randn(1, 1, 1000)
    with torch.no_grad():
        assert torch.equal(model(x), reference(x))
