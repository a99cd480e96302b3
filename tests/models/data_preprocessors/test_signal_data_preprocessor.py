# Copyright (c) nl1d contributors. All rights reserved.
import pytest
import torch

import nl1d  # noqa: F401
from mmaction.registry import MODELS
from mmaction.structures import ActionDataSample


def test_stacks_ncl_batches():
    pre = MODELS.build(dict(type='SignalDataPreprocessor'))
    inputs = [torch.randn(3, 2, 50, dtype=torch.float64) for _ in range(4)]
    data = dict(inputs=inputs, data_samples=[ActionDataSample()] * 4)
    out = pre(data)
    assert out['inputs'].shape == (4, 3, 2, 50)  # (N, num_clips, C, L)
    assert out['inputs'].dtype == torch.float32
    torch.testing.assert_close(out['inputs'][1], inputs[1].float())


def test_per_channel_normalisation():
    pre = MODELS.build(
        dict(type='SignalDataPreprocessor', mean=[1.0, -2.0], std=[2., 4.]))
    x = torch.randn(1, 2, 10)
    out = pre(dict(inputs=[x], data_samples=[ActionDataSample()]))
    expected = (x - torch.tensor([1., -2.]).view(2, 1)) / torch.tensor(
        [2., 4.]).view(2, 1)
    torch.testing.assert_close(out['inputs'][0], expected)


def test_errors_name_the_fix():
    with pytest.raises(ValueError, match='NCL'):
        MODELS.build(dict(type='SignalDataPreprocessor', format_shape='NCHW'))
    with pytest.raises(ValueError, match='both'):
        MODELS.build(dict(type='SignalDataPreprocessor', mean=[0.]))
    with pytest.raises(ValueError, match='one per channel'):
        MODELS.build(
            dict(type='SignalDataPreprocessor', mean=[0.], std=[1., 1.]))
    pre = MODELS.build(
        dict(type='SignalDataPreprocessor', mean=[0.], std=[1.]))
    with pytest.raises(ValueError, match='channels'):
        pre(dict(inputs=[torch.randn(1, 3, 10)],
                 data_samples=[ActionDataSample()]))
