# Copyright (c) nl1d contributors. All rights reserved.
"""ResNet1d: shapes, torchvision names, options, non-local placement."""
import pytest
import torch
from mmengine.utils.dl_utils.parrots_wrapper import _BatchNorm

from nl1d.models.backbones import ResNet1d
from nl1d.models.layers import NonLocal1d


def _model(depth=18, **kwargs):
    kwargs.setdefault('base_channels', 8)
    model = ResNet1d(depth, **kwargs)
    model.init_weights()
    return model


@pytest.mark.parametrize('depth, feat', [(18, 64), (34, 64), (50, 256),
                                         (101, 256)])
def test_shapes_and_feat_dim(depth, feat):
    model = _model(depth, in_channels=12).eval()
    out = model(torch.randn(2, 12, 2000))
    # 2000 -> stem 1000 -> pool 500 -> 500, 250, 125, 63
    assert out.shape == (2, feat, 63)
    assert model.feat_dim == feat


def test_default_width_matches_torchvision():
    model = ResNet1d(50)
    assert model.feat_dim == 2048
    # torchvision's resnet50 has 25,557,032 parameters, 2,049,000 of them in
    # fc (not part of a backbone). Inflating every k-tap kernel back to k x k
    # (and the stem to 3 colour channels) must give exactly the rest.
    inflated = 0
    for name, param in model.named_parameters():
        if param.dim() == 3:
            out_planes, in_planes, taps = param.shape
            in_planes = 3 if name == 'conv1.weight' else in_planes
            inflated += out_planes * in_planes * taps * taps
        else:
            inflated += param.numel()
    assert inflated == 25_557_032 - 2_049_000
    assert sum(p.numel() for p in model.parameters()) == 15_954_240
    blocks = {name: p.shape for name, p in model.named_parameters()}
    assert blocks['conv1.weight'] == (64, 1, 7)
    assert blocks['layer1.0.conv3.weight'] == (256, 64, 1)
    assert blocks['layer4.2.bn3.weight'] == (2048, )


def test_torchvision_state_dict_names():
    keys = set(_model(18).state_dict())
    for key in [
            'conv1.weight', 'bn1.running_mean', 'layer1.0.conv1.weight',
            'layer1.1.bn2.num_batches_tracked', 'layer2.0.downsample.0.weight',
            'layer2.0.downsample.1.running_var', 'layer4.1.conv2.weight'
    ]:
        assert key in keys
    keys50 = set(_model(50).state_dict())
    assert 'layer1.0.downsample.0.weight' in keys50
    assert 'layer3.5.conv3.weight' in keys50
    assert not any('.conv.' in k or '.norm' in k for k in keys | keys50)


def test_out_indices():
    model = _model(18, out_indices=(0, 1, 2, 3)).eval()
    outs = model(torch.randn(1, 1, 512))
    assert isinstance(outs, tuple)
    assert [o.shape for o in outs] == [(1, 8, 128), (1, 16, 64), (1, 32, 32),
                                       (1, 64, 16)]
    single = _model(18, out_indices=(2, )).eval()(torch.randn(1, 1, 512))
    assert isinstance(single, torch.Tensor) and single.shape == (1, 32, 32)
    with pytest.raises(ValueError, match='out_indices'):
        ResNet1d(18, out_indices=(4, ))


def test_zero_init_residual_and_init_cfg():
    model = _model(50)
    for name, param in model.named_parameters():
        if name.endswith('bn3.weight'):
            assert param.abs().sum() == 0, name
        elif name.endswith('bn1.weight') or name.endswith('1.weight') \
                and 'downsample' in name:
            assert torch.all(param == 1), name
    assert model.conv1.weight.std() > 0
    assert all(p.abs().sum() > 0
               for n, p in _model(18, zero_init_residual=False)
               .named_parameters() if n.endswith('bn2.weight'))


def test_frozen_stages_and_norm_eval():
    model = _model(18, frozen_stages=1, norm_eval=True)
    model.train()
    for module in (model.conv1, model.bn1, model.layer1):
        assert all(not p.requires_grad for p in module.parameters())
    assert all(p.requires_grad for p in model.layer2.parameters())
    assert all(not m.training for m in model.modules()
               if isinstance(m, _BatchNorm))
    model = _model(18, frozen_stages=0)
    model.train()
    assert not model.bn1.training and model.layer1[0].bn1.training
    assert model.conv1.weight.requires_grad is False


def test_with_cp_gives_same_outputs_and_gradients(monkeypatch):
    calls = []
    checkpoint = torch.utils.checkpoint.checkpoint

    def counting_checkpoint(function, *args, **kwargs):
        calls.append(function)
        return checkpoint(function, *args, **kwargs)

    monkeypatch.setattr(torch.utils.checkpoint, 'checkpoint',
                        counting_checkpoint)
    torch.manual_seed(0)
    plain = _model(50, zero_init_residual=False, non_local=(0, 0, 1, 0))
    ckpt = _model(50, with_cp=True, non_local=(0, 0, 1, 0))
    ckpt.load_state_dict(plain.state_dict())
    x = torch.randn(1, 1, 128)
    x1, x2 = x.clone().requires_grad_(), x.clone().requires_grad_()
    # BN in eval: recomputation in backward must not shift running stats
    plain.eval(), ckpt.eval()
    out1, out2 = plain(x1), ckpt(x2)
    torch.testing.assert_close(out1, out2)
    out1.sum().backward()
    out2.sum().backward()
    torch.testing.assert_close(x1.grad, x2.grad)
    torch.testing.assert_close(plain.layer3[0].conv2.weight.grad,
                               ckpt.layer3[0].conv2.weight.grad)
    assert len(calls) == 16  # every block of R50, none of `plain`
    with torch.no_grad():
        ckpt(x)  # nothing to recompute without gradients
    assert len(calls) == 16


def test_norm_and_act_cfg():
    model = _model(
        18,
        norm_cfg=dict(type='GN', num_groups=4),
        act_cfg=dict(type='LeakyReLU', negative_slope=0.1))
    assert isinstance(model.layer1[0].bn1, torch.nn.GroupNorm)
    assert isinstance(model.relu, torch.nn.LeakyReLU)
    assert model(torch.randn(1, 1, 256)).shape == (1, 64, 8)


def test_non_local_placement_matches_resnet3d_convention():
    nl = ((0, 0, 0), (0, 1, 0, 1), (0, 1, 0, 1, 0, 1), (0, 0, 0))
    model = _model(50, non_local=nl, non_local_cfg=dict(sub_sample=True))
    placed = sorted(name for name, m in model.named_modules()
                    if isinstance(m, NonLocal1d))
    assert placed == [
        'layer2.1.non_local_block', 'layer2.3.non_local_block',
        'layer3.1.non_local_block', 'layer3.3.non_local_block',
        'layer3.5.non_local_block'
    ]
    assert model.layer2[1].non_local_block.in_channels == 64  # 16 * 4
    assert model.layer2[1].non_local_block.sub_sample
    # an int marks every block of the stage
    model = _model(18, non_local=(0, 0, 0, 1))
    assert isinstance(model.layer4[0].non_local_block, NonLocal1d)
    assert isinstance(model.layer4[1].non_local_block, NonLocal1d)
    assert model.layer3[1].non_local_block is None


def test_non_local_blocks_are_identity_after_init_weights():
    nl = ((1, 1), 0, (0, 1), 0)
    with_nl = _model(18, non_local=nl, non_local_cfg=dict(
        norm_cfg=dict(type='BN1d')), zero_init_residual=False)
    without = _model(18, zero_init_residual=False)
    missing, unexpected = without.load_state_dict(with_nl.state_dict(),
                                                  strict=False)
    assert not missing and unexpected
    x = torch.randn(2, 1, 600)
    with_nl.eval(), without.eval()
    assert torch.equal(with_nl(x), without(x))
    # and through the registry + a parent's Runner-style init
    bn = with_nl.layer3[1].non_local_block.conv_out.bn
    assert torch.all(bn.weight == 0)


@pytest.mark.parametrize('non_local, match', [
    (((0, 0), (0, 1, 0), 0, 0), r'non_local\[1\] \(stage layer2, 2 blocks\)'
     ' has 3 entries'),
    ((0, 0, 0), 'one entry per stage'),
    (((0, 0), (0, 2), 0, 0), 'only 0 and 1'),
])
def test_non_local_validation_names_stage_and_block_count(non_local, match):
    with pytest.raises(ValueError, match=match):
        ResNet1d(18, non_local=non_local)


def test_non_local_r50_error_names_depth():
    with pytest.raises(ValueError, match=r'ResNet1d-50: non_local\[2\] '
                       r'\(stage layer3, 6 blocks\) has 4 entries'):
        ResNet1d(50, non_local=(0, 0, (0, 1, 0, 1), 0))


def test_pretrained2d_only_with_pretrained(tmp_path):
    with pytest.raises(ValueError, match='pretrained2d=False has no effect '
                       'without pretrained'):
        ResNet1d(18, pretrained2d=False)
    assert ResNet1d(18).pretrained2d is None
    path = str(tmp_path / 'r18.pth')
    assert ResNet1d(18, pretrained=path).pretrained2d is True
    assert ResNet1d(18, pretrained=path, pretrained2d=False).pretrained2d \
        is False


def test_blocks_read_like_torchvision():
    """Every block's layers, in torchvision's order, and no non-local block
    unless asked for."""
    model = _model(50, non_local=(0, 0, 0, (1, 0, 0)))
    names = [n for n, _ in model.layer4[0].named_children()]
    assert names == ['conv1', 'bn1', 'conv2', 'bn2', 'conv3', 'bn3', 'relu',
                     'downsample', 'non_local_block']
    assert model.layer4[1].non_local_block is None
    assert [n for n, _ in _model(18).layer1[0].named_children()] == [
        'conv1', 'bn1', 'conv2', 'bn2', 'relu']


def test_registry_and_invalid_depth():
    from mmaction.registry import MODELS
    model = MODELS.build(dict(type='ResNet1d', depth=34, in_channels=3))
    assert isinstance(model, ResNet1d) and model.conv1.in_channels == 3
    with pytest.raises(KeyError, match='depth'):
        ResNet1d(152)
