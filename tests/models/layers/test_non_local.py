# Copyright (c) nl1d contributors. All rights reserved.
"""NonLocal1d: mmcv equality, identity at init (also under parents'
``init_weights``), attention maps, autocast, registry."""
import itertools

import pytest
import torch
import torch.nn as nn
from mmcv.cnn import NonLocal1d as MMCVNonLocal1d
from mmengine.model import BaseModule, Sequential

from nl1d.models.layers import NonLocal1d
from nl1d.models.layers.non_local import MODES

CASES = list(itertools.product(MODES, [False, True], [None, 'BN1d']))
IMPLS = {
    'gaussian': ['naive', 'sdpa', 'chunked'],
    'embedded_gaussian': ['naive', 'sdpa', 'chunked'],
    'dot_product': ['naive', 'linear'],
    'concatenation': ['naive', 'sorted'],
}


def _pair(mode, sub_sample, norm, impl='auto', use_scale=True, channels=16):
    """mmcv's block with non-zero weights, and ours with its state dict."""
    torch.manual_seed(0)
    norm_cfg = dict(type=norm) if norm else None
    kwargs = dict(mode=mode, sub_sample=sub_sample, norm_cfg=norm_cfg,
                  use_scale=use_scale)
    theirs = MMCVNonLocal1d(channels, zeros_init=False, std=0.2, **kwargs)
    if norm:  # non-trivial statistics so eval-mode BN matters
        theirs.conv_out.bn.running_mean.normal_()
        theirs.conv_out.bn.running_var.uniform_(0.5, 2)
        theirs.conv_out.bn.weight.data.normal_()
    ours = NonLocal1d(channels, attn_impl=impl, **kwargs)
    ours.load_state_dict(theirs.state_dict(), strict=True)
    return ours.eval(), theirs.eval()


@pytest.mark.parametrize('mode, sub_sample, norm', CASES)
def test_equals_mmcv_every_mode_and_path(mode, sub_sample, norm):
    x = torch.randn(2, 16, 30)
    for impl in IMPLS[mode]:
        ours, theirs = _pair(mode, sub_sample, norm, impl)
        with torch.no_grad():
            expected = theirs(x)
            assert not torch.allclose(expected, x)  # a real test
            torch.testing.assert_close(ours(x), expected, atol=1e-5,
                                       rtol=1e-5)


@pytest.mark.parametrize('mode', MODES)
def test_gradients_equal_mmcv(mode):
    ours, theirs = _pair(mode, True, 'BN1d', 'auto')
    if mode == 'concatenation':
        # mmcv divides the ReLU output in place: its backward fails, so
        # compare with our naive path (itself checked against the formula).
        with pytest.raises(RuntimeError, match='inplace'):
            theirs(torch.randn(1, 16, 8, requires_grad=True)).sum().backward()
        theirs = _pair(mode, True, 'BN1d', 'naive')[0]
    x = torch.randn(2, 16, 24)
    x1, x2 = x.clone().requires_grad_(), x.clone().requires_grad_()
    ours(x1).square().sum().backward()
    theirs(x2).square().sum().backward()
    torch.testing.assert_close(x1.grad, x2.grad, atol=1e-5, rtol=1e-4)
    grads = dict(theirs.named_parameters())
    for name, param in ours.named_parameters():
        # parameter gradients reach ~1e3 here: float32 summation order
        # (oneDNN's AVX2 vs AVX-512 kernels) moves their small entries by
        # ~1e-5, so the absolute tolerance grows with the tensor's scale
        expected = grads[name].grad
        torch.testing.assert_close(
            param.grad, expected, rtol=1e-4,
            atol=max(1e-5, 1e-6 * expected.abs().max().item()))


@pytest.mark.parametrize('use_scale', [True, False])
def test_use_scale_convention_matches_mmcv(use_scale):
    """``use_scale`` scales embedded_gaussian only, by 1/sqrt(Ci)."""
    for mode in MODES:
        ours, theirs = _pair(mode, False, None, use_scale=use_scale)
        x = torch.randn(1, 16, 20)
        with torch.no_grad():
            torch.testing.assert_close(ours(x), theirs(x), atol=1e-5,
                                       rtol=1e-5)
    ours, _ = _pair('embedded_gaussian', False, None, use_scale=use_scale)
    x = torch.randn(1, 16, 20)
    theta = ours.theta(x).transpose(1, 2)
    phi = ours.phi(x)
    scale = ours.inter_channels**-0.5 if use_scale else 1.0
    torch.testing.assert_close(ours.attention_map(x),
                               torch.softmax(theta @ phi * scale, dim=-1))


@pytest.mark.parametrize('mode, sub_sample, norm', CASES)
def test_identity_at_init(mode, sub_sample, norm):
    block = NonLocal1d(16, mode=mode, sub_sample=sub_sample,
                       norm_cfg=dict(type=norm) if norm else None)
    x = torch.randn(2, 16, 20)
    assert torch.equal(block(x), x)


class _Parent(BaseModule):
    """A parent with a generic init_cfg that would undo a zero init."""

    def __init__(self, block):
        super().__init__(init_cfg=[
            dict(type='Kaiming', layer=['Conv1d', 'Conv2d']),
            dict(type='Constant', layer=['_BatchNorm'], val=1),
        ])
        self.stem = nn.Conv1d(16, 16, 3, padding=1)
        self.blocks = Sequential(nn.Identity(), block)


@pytest.mark.parametrize('mode, sub_sample, norm', CASES)
def test_identity_survives_parent_init_weights(mode, sub_sample, norm):
    block = NonLocal1d(16, mode=mode, sub_sample=sub_sample,
                       norm_cfg=dict(type=norm) if norm else None)
    block.init_weights()  # already initialised once: must not be skipped
    parent = _Parent(block)
    parent.init_weights()  # mmcv's block crashes here with sub_sample=True
    x = torch.randn(2, 16, 20)
    assert torch.equal(block(x), x)
    # the parent's init did run on the other layers
    assert parent.stem.weight.std() > 0
    parent.init_weights()  # idempotent
    assert torch.equal(block(x), x)


def test_mmcv_sub_sample_trap_this_block_avoids():
    """mmcv's block cannot be re-initialised with sub_sample=True."""
    mmcv_block = MMCVNonLocal1d(16, sub_sample=True)
    with pytest.raises(AttributeError):
        _Parent(mmcv_block).init_weights()  # `self.g.conv` of the wrapper


@pytest.mark.parametrize('mode', MODES)
@pytest.mark.parametrize('sub_sample', [False, True])
def test_attention_map(mode, sub_sample):
    block, _ = _pair(mode, sub_sample, None)
    x = torch.randn(2, 16, 20)
    attn = block.attention_map(x)
    keys = 10 if sub_sample else 20
    assert attn.shape == (2, 20, keys)
    if mode in ('gaussian', 'embedded_gaussian'):
        torch.testing.assert_close(attn.sum(-1), torch.ones(2, 20))
    else:
        assert (mode != 'concatenation') or bool((attn >= 0).all())
    with torch.no_grad():
        g = block.g(x)  # (N, Ci, L_k)
        y = (attn @ g.transpose(1, 2)).transpose(1, 2)
        torch.testing.assert_close(block(x), x + block.conv_out(y),
                                   atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize('mode', MODES)
def test_autocast_runs_affinity_in_float32(mode):
    block, _ = _pair(mode, False, 'BN1d')
    x = torch.randn(2, 16, 40)
    with torch.no_grad():
        expected = block(x)
        with torch.autocast('cpu', dtype=torch.bfloat16):
            y = block._aggregate(x)
            out = block(x)
    assert y.dtype == torch.float32
    assert out.dtype == torch.float32  # x + bf16 projection
    torch.testing.assert_close(out, expected, atol=5e-2, rtol=5e-2)


def test_block_is_registered_and_maps_tensor_to_tensor():
    from mmaction.registry import MODELS
    block = MODELS.build(dict(type='NonLocal1d', in_channels=8,
                              mode='dot_product'))
    assert type(block) is NonLocal1d
    x = torch.randn(1, 8, 12)
    out = block(x)
    assert isinstance(out, torch.Tensor) and torch.equal(out, x)
    with pytest.raises(TypeError, match='data_samples'):
        block(x, data_samples=[])  # the neck interface is NonLocalNeck1d's


def test_errors_name_the_argument():
    with pytest.raises(ValueError, match='mode'):
        NonLocal1d(8, mode='softmax')
    with pytest.raises(ValueError, match='attn_impl'):
        NonLocal1d(8, mode='dot_product', attn_impl='sdpa')
