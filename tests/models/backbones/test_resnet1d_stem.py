# Copyright (c) nl1d contributors. All rights reserved.
"""ResNet1d's stem options: how much the length shrinks before res2."""
import pytest
import torch

from nl1d.models.backbones import ResNet1d


@pytest.mark.parametrize('stride,pool,kernel,factor', [
    (2, True, 7, 32),  # the ImageNet stem (deflatable)
    (2, False, 7, 16),
    (1, False, 7, 8),  # short series: a 96-sample series keeps 12 positions
    (1, False, 3, 8),
])
def test_stem_sets_overall_stride(stride, pool, kernel, factor):
    model = ResNet1d(18, base_channels=8, stem_stride=stride, stem_pool=pool,
                     stem_kernel=kernel).eval()
    with torch.no_grad():
        out = model(torch.randn(2, 1, 96 * 4))
    assert out.shape == (2, 64, 96 * 4 // factor)
    assert model.conv1.kernel_size == (kernel, )
    assert isinstance(model.maxpool, torch.nn.MaxPool1d) == pool
