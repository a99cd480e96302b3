# Copyright (c) nl1d contributors. All rights reserved.
"""2D -> 1D deflation against a random-weight 2D ResNet built here.

torchvision is not a dependency, so ``_ResNet2d`` is a minimal ResNet with
torchvision's module names and layout. The test feeds it an image constant
along the height and checks that the deflated ResNet1d gives the 2D response
at the centre row, stage by stage.
"""
import logging

import pytest
import torch
import torch.nn as nn
from mmengine.logging import MMLogger

from nl1d.models.backbones import ResNet1d, deflate_state_dict


class _Basic2d(nn.Module):
    expansion = 1

    def __init__(self, inplanes, planes, stride=1, downsample=None):
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU()
        self.downsample = downsample

    def forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        return self.relu(self.bn2(self.conv2(out)) + identity)


class _Bottleneck2d(nn.Module):
    expansion = 4

    def __init__(self, inplanes, planes, stride=1, downsample=None):
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv3 = nn.Conv2d(planes, planes * 4, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(planes * 4)
        self.relu = nn.ReLU()
        self.downsample = downsample

    def forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        return self.relu(self.bn3(self.conv3(out)) + identity)


class _ResNet2d(nn.Module):
    """torchvision's ResNet layout (stem, layer1-4, fc), any width."""

    def __init__(self, block, layers, width=8, in_channels=3):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, width, 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        self.relu = nn.ReLU()
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        self.inplanes = width
        for i, blocks in enumerate(layers):
            planes, stride = width * 2**i, 1 if i == 0 else 2
            downsample = None
            if stride != 1 or self.inplanes != planes * block.expansion:
                downsample = nn.Sequential(
                    nn.Conv2d(self.inplanes, planes * block.expansion, 1,
                              stride, bias=False),
                    nn.BatchNorm2d(planes * block.expansion))
            layer = [block(self.inplanes, planes, stride, downsample)]
            self.inplanes = planes * block.expansion
            layer += [block(self.inplanes, planes) for _ in range(1, blocks)]
            setattr(self, f'layer{i + 1}', nn.Sequential(*layer))
        self.fc = nn.Linear(self.inplanes, 10)

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        outs = []
        for i in range(4):
            x = getattr(self, f'layer{i + 1}')(x)
            outs.append(x)
        return outs


def _random_2d(block, layers):
    torch.manual_seed(0)
    model = _ResNet2d(block, layers)
    for m in model.modules():  # random statistics: BN must map exactly
        if isinstance(m, nn.BatchNorm2d):
            m.weight.data.uniform_(0.5, 1.5)
            m.bias.data.normal_(0, 0.1)
            m.running_mean.normal_(0, 0.1)
            m.running_var.uniform_(0.5, 1.5)
    return model.eval()


@pytest.mark.parametrize('depth, block, layers',
                         [(18, _Basic2d, (2, 2, 2, 2)),
                          (50, _Bottleneck2d, (3, 4, 6, 3))])
@pytest.mark.parametrize('in_channels', [3, 1, 2])
def test_deflated_equals_2d_response_at_centre_row(tmp_path, depth, block,
                                                   layers, in_channels):
    model_2d = _random_2d(block, layers)
    path = tmp_path / 'resnet2d.pth'
    torch.save(model_2d.state_dict(), path)
    model_1d = ResNet1d(
        depth,
        in_channels=in_channels,
        base_channels=8,
        out_indices=(0, 1, 2, 3),
        pretrained=str(path),
        non_local=(0, 0, 1, 0))
    model_1d.init_weights()
    model_1d.eval()

    width, height = 96, 1024  # the centre row's receptive field is inside
    signal = torch.randn(1, in_channels, width)
    if in_channels == 3:
        image_channels = signal
    else:  # a signal repeated on its channels <-> the grey image
        signal = signal[:, :1].expand(1, in_channels, width)
        image_channels = signal[:, :1].expand(1, 3, width)
    image = image_channels[:, :, None, :].expand(1, 3, height, width)
    with torch.no_grad():
        outs_2d = model_2d(image.contiguous())
        outs_1d = model_1d(signal.contiguous())
    for out_2d, out_1d in zip(outs_2d, outs_1d):
        centre = out_2d[:, :, out_2d.shape[2] // 2]  # (1, C, W')
        assert out_1d.shape == centre.shape
        torch.testing.assert_close(out_1d, centre, atol=1e-4, rtol=1e-4)


def test_missing_and_unexpected_keys_are_reported(tmp_path):
    model_2d = _random_2d(_Basic2d, (2, 2, 2, 2))
    state = {f'module.{k}': v for k, v in model_2d.state_dict().items()}
    path = tmp_path / 'resnet2d.pth'
    torch.save({'state_dict': state}, path)
    model_1d = ResNet1d(18, base_channels=8, pretrained=str(path),
                        non_local=(0, 0, 0, 1))
    deflated, missing, unexpected = deflate_state_dict(
        state, model_1d.state_dict())
    assert sorted(unexpected) == ['fc.bias', 'fc.weight']
    assert missing and all('non_local_block' in k for k in missing)
    assert deflated['layer1.0.conv1.weight'].shape == (8, 8, 3)
    torch.testing.assert_close(
        deflated['conv1.weight'],
        model_2d.conv1.weight.sum(dim=(1, 2), keepdim=False)[:, None])
    logger = MMLogger.get_current_instance()
    records = []
    handler = logging.Handler(logging.WARNING)
    handler.emit = records.append
    logger.addHandler(handler)
    try:
        model_1d.init_weights()
    finally:
        logger.removeHandler(handler)
    logged = '\n'.join(r.getMessage() for r in records)
    assert f"{path} not used: ['fc.weight', 'fc.bias']" in logged
    assert f'keys not in the 2D checkpoint {path}' in logged
    assert 'layer4.0.non_local_block.g.conv.weight' in logged
    # the non-local blocks kept their identity init
    assert torch.all(model_1d.layer4[0].non_local_block.conv_out.conv.weight
                     == 0)
    torch.testing.assert_close(model_1d.layer2[0].downsample[1].running_var,
                               model_2d.layer2[0].downsample[1].running_var)


def test_shape_mismatch_names_the_key():
    model_2d = _random_2d(_Basic2d, (2, 2, 2, 2))  # width 8
    model_1d = ResNet1d(18, base_channels=16)
    with pytest.raises(ValueError, match="'conv1.weight' has shape"):
        deflate_state_dict(model_2d.state_dict(), model_1d.state_dict())


def test_pretrained_1d_checkpoint(tmp_path):
    source = ResNet1d(18, base_channels=8)
    source.init_weights()
    path = tmp_path / 'resnet1d.pth'
    torch.save({'state_dict': source.state_dict()}, path)
    model = ResNet1d(18, base_channels=8, pretrained=str(path),
                     pretrained2d=False)
    model.init_weights()
    for key, value in source.state_dict().items():
        assert torch.equal(model.state_dict()[key], value), key
