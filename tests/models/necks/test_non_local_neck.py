# Copyright (c) nl1d contributors. All rights reserved.
"""NonLocalNeck1d: the block with mmaction's neck interface, loading the
state dicts of the block, of mmcv's block and of existing checkpoints."""
import os.path as osp

import pytest
import torch
from mmcv.cnn import NonLocal1d as MMCVNonLocal1d
from mmengine import Config
from mmengine.registry import init_default_scope

from mmaction.registry import MODELS
from nl1d.models.layers import NonLocal1d
from nl1d.models.necks import NonLocalNeck1d

BASE_MODELS = osp.join(osp.dirname(__file__), '..', '..', '..', 'configs',
                       '_base_', 'models')


def test_neck_interface_returns_features_and_empty_loss_aux():
    neck = MODELS.build(dict(type='NonLocalNeck1d', in_channels=8))
    assert isinstance(neck, NonLocalNeck1d)
    x = torch.randn(3, 8, 20)
    out, loss_aux = neck(x, data_samples=[object()] * 3)
    assert torch.equal(out, x) and loss_aux == {}  # identity at init
    with pytest.raises(TypeError, match='out_indices'):
        neck((x, x))


def test_neck_output_equals_the_block_with_its_weights():
    torch.manual_seed(0)
    block = NonLocal1d(8, mode='embedded_gaussian', zeros_init=False,
                       norm_cfg=dict(type='BN1d')).eval()
    neck = NonLocalNeck1d(8, mode='embedded_gaussian',
                          norm_cfg=dict(type='BN1d')).eval()
    neck.load_state_dict(block.state_dict(), strict=True)
    x = torch.randn(2, 8, 30)
    with torch.no_grad():
        expected = block(x)
        assert not torch.allclose(expected, x)
        torch.testing.assert_close(neck(x)[0], expected)


def _recognizer(neck_type: str = 'NonLocalNeck1d'):
    """The shipped non-local R18 base model, narrowed for speed."""
    init_default_scope('mmaction')  # as the configs' default_scope
    cfg = Config.fromfile(osp.join(BASE_MODELS, 'nl_r18_res5.py'))
    cfg.model.neck.type = neck_type
    cfg.model.backbone.base_channels = 8  # narrow: a fast test
    cfg.model.neck.in_channels = cfg.model.cls_head.in_channels = 64
    return MODELS.build(cfg.model)


def test_existing_checkpoint_keys_load_into_the_neck():
    """Checkpoints written when the neck was registered as ``NonLocal1d``
    (mmcv's keys under ``neck.``) load strictly, weights and outputs."""
    model = _recognizer().eval()
    assert isinstance(model.neck, NonLocalNeck1d)
    torch.manual_seed(0)
    mmcv_block = MMCVNonLocal1d(64, zeros_init=False, std=0.2,
                                norm_cfg=dict(type='BN1d')).eval()
    old = {f'neck.{k}': v for k, v in mmcv_block.state_dict().items()}
    assert {'neck.g.conv.weight', 'neck.theta.conv.weight',
            'neck.phi.conv.weight', 'neck.conv_out.bn.weight'} <= set(old)
    state = model.state_dict()
    assert set(old) == {k for k in state if k.startswith('neck.')}
    state.update(old)
    model.load_state_dict(state, strict=True)
    for key, value in old.items():
        assert torch.equal(model.state_dict()[key], value)
    x = torch.randn(2, 64, 16)
    with torch.no_grad():
        torch.testing.assert_close(model.neck(x)[0], mmcv_block(x),
                                   atol=1e-5, rtol=1e-5)


def test_recognizer_passes_features_through_the_neck():
    model = _recognizer().eval()
    inputs = torch.randn(2, 3, 1, 256)  # (N, num_clips, C, L)
    with torch.no_grad():
        feats, kwargs = model.extract_feat(inputs)
        backbone, _ = model.extract_feat(inputs, stage='backbone')
        test_feats, _ = model.extract_feat(inputs, test_mode=True)
    assert feats.shape == (6, 64, 8) and kwargs == {'loss_aux': {}}
    torch.testing.assert_close(feats, backbone)  # identity at init
    torch.testing.assert_close(test_feats, feats)


def test_old_neck_type_gives_a_clear_error():
    with pytest.raises(ValueError, match="type='NonLocalNeck1d'"):
        _recognizer('NonLocal1d')
