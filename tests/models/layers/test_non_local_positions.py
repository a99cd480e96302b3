# Copyright (c) nl1d contributors. All rights reserved.
"""A non-local block that sees <= 2 positions relates nothing: it says so,
once per block, naming itself, the length and the fix, and stays silent
while traced, exported or compiled."""
import logging

import pytest
import torch
from mmengine.logging import MMLogger

from nl1d.models.backbones import ResNet1d
from nl1d.models.layers import NonLocal1d
from nl1d.models.necks import NonLocalNeck1d


@pytest.fixture
def warnings_logged():
    """The WARNING messages the current MMLogger logs."""
    logger = MMLogger.get_current_instance()
    messages = []
    handler = logging.Handler(logging.WARNING)
    handler.emit = lambda record: messages.append(record.getMessage())
    logger.addHandler(handler)
    yield messages
    logger.removeHandler(handler)


def _few(messages):
    return [m for m in messages if 'relates (almost) nothing' in m]


def test_r18_imagenet_stem_on_24_samples_warns_once(warnings_logged):
    """R18's stem and stages leave one position of 24 samples at res5."""
    torch.manual_seed(0)
    backbone = ResNet1d(18, base_channels=8).eval()
    neck = NonLocalNeck1d(64).eval()
    x = torch.randn(2, 1, 24)
    with torch.no_grad():
        feats = backbone(x)
        assert feats.shape[-1] == 1
        for _ in range(3):  # every iteration: one warning only
            neck(feats)
    warned = _few(warnings_logged)
    assert len(warned) == 1
    message = warned[0]
    assert message.startswith('NonLocalNeck1d(in_channels=64, '
                              "mode='embedded_gaussian') sees 1 position(s)")
    assert 'model.backbone.stem_stride=1' in message
    assert 'model.backbone.stem_pool=False' in message
    assert 'earlier stage' in message
    # The fix works: no stem downsampling leaves 3 positions, no warning.
    backbone = ResNet1d(18, base_channels=8, stem_stride=1,
                        stem_pool=False).eval()
    quiet = NonLocalNeck1d(64).eval()
    with torch.no_grad():
        feats = backbone(x)
        assert feats.shape[-1] == 3
        quiet(feats)
    assert len(_few(warnings_logged)) == 1


def test_each_block_warns_for_itself(warnings_logged):
    backbone = ResNet1d(18, base_channels=8, non_local=(0, 0, 1, 1)).eval()
    with torch.no_grad():
        backbone(torch.randn(1, 1, 24))  # res4: 2 positions, res5: 1
        backbone(torch.randn(1, 1, 24))
    warned = _few(warnings_logged)
    assert len(warned) == 4  # two blocks at res4, two at res5, once each
    assert sum('NonLocal1d(in_channels=32' in m and 'sees 2 position' in m
               for m in warned) == 2
    assert sum('NonLocal1d(in_channels=64' in m and 'sees 1 position' in m
               for m in warned) == 2


def test_sub_sample_counts_key_positions(warnings_logged):
    with torch.no_grad():
        NonLocal1d(8)(torch.randn(1, 8, 3))
        NonLocal1d(8, sub_sample=True)(torch.randn(1, 8, 6))
    assert _few(warnings_logged) == []
    with torch.no_grad():
        NonLocal1d(8, sub_sample=True)(torch.randn(1, 8, 5))
    warned = _few(warnings_logged)
    assert len(warned) == 1
    assert 'sees 5 position(s) (2 key position(s) after sub_sample)' in \
        warned[0]


@pytest.mark.filterwarnings('ignore::DeprecationWarning',
                            'ignore::torch.jit.TracerWarning')
def test_silent_while_traced_exported_or_compiled(warnings_logged,
                                                  monkeypatch):
    block = NonLocal1d(8).eval()
    x = torch.randn(1, 8, 2)
    with torch.no_grad():
        traced = torch.jit.trace(block, x)
        torch.testing.assert_close(traced(x), block(x))
    # the eager call above warned; tracing did not (and left no mark)
    assert len(_few(warnings_logged)) == 1
    for name in ('torch.onnx.is_in_onnx_export',
                 'torch.compiler.is_compiling'):
        with monkeypatch.context() as patch:
            patch.setattr(name, lambda: True)
            with torch.no_grad():
                NonLocal1d(8)(x)
    assert len(_few(warnings_logged)) == 1
