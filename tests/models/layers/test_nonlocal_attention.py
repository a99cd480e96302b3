# Copyright (c) nl1d contributors. All rights reserved.
"""Every aggregation path against the naive formula, forward and gradients.

The reference is the naive formula in float64; the paths run in float32.
"""
import pytest
import torch
import torch.nn.functional as F

from nl1d.models.layers.chunked_softmax import ChunkedSoftmaxAttention
from nl1d.models.layers.nonlocal_attention import (concatenation_attention,
                                                   dot_product_attention,
                                                   softmax_attention)


def _softmax_ref(q, k, v, scale):
    return torch.softmax(q @ k.transpose(1, 2) * scale, dim=-1) @ v


def _dot_ref(q, k, v):
    return (q @ k.transpose(1, 2) / k.shape[1]) @ v


def _concat_ref(a, b, v):
    return F.relu(a[:, :, None] + b[:, None, :]) / b.shape[1] @ v


def _inputs(*shapes, seed=0, scale=1.0):
    gen = torch.Generator().manual_seed(seed)
    return [(torch.randn(*s, generator=gen, dtype=torch.float64) * scale)
            for s in shapes]


def _compare(fn, ref, tensors, atol=1e-5, rtol=1e-4):
    """Forward and gradients of ``fn`` (float32) against ``ref`` (float64)."""
    ours = [t.float().requires_grad_() for t in tensors]
    theirs = [t.clone().requires_grad_() for t in tensors]
    out, expected = fn(*ours), ref(*theirs)
    assert out.dtype == torch.float32
    torch.testing.assert_close(out.double(), expected, atol=atol, rtol=rtol)
    grad = torch.randn_like(expected)
    out.backward(grad.float())
    expected.backward(grad)
    for o, t in zip(ours, theirs):
        torch.testing.assert_close(o.grad.double(), t.grad, atol=atol,
                                   rtol=rtol)


@pytest.mark.parametrize('impl', ['naive', 'sdpa', 'chunked'])
@pytest.mark.parametrize('scale', [1.0, 0.125])
@pytest.mark.parametrize('shape', [(2, 37, 37, 8, 8), (1, 50, 25, 12, 6)])
def test_softmax_paths(impl, scale, shape):
    n, length, keys, dim, dim_v = shape
    tensors = _inputs((n, length, dim), (n, keys, dim), (n, keys, dim_v))
    _compare(
        lambda q, k, v: softmax_attention(
            q, k, v, scale=scale, impl=impl, chunk_size=7),
        lambda q, k, v: _softmax_ref(q, k, v, scale), tensors)


def test_sdpa_path_runs_a_fused_kernel():
    """torch's fused attention kernels take only 4-D inputs with a unit
    last-dimension stride; given others, SDPA silently runs its math kernel,
    which materialises the L x L affinity. With only the flash kernel
    allowed (the CPU's), the path must run: on transposed (N, L, E) views,
    as the block passes them, forward and backward."""
    from torch.nn.attention import SDPBackend, sdpa_kernel
    q, k, v = (t.transpose(1, 2).contiguous().transpose(1, 2)
               for t in _inputs((2, 300, 16), (2, 150, 16), (2, 150, 16)))
    assert q.stride(-1) != 1
    with sdpa_kernel([SDPBackend.FLASH_ATTENTION]):
        _compare(
            lambda q, k, v: softmax_attention(q, k, v, scale=0.25,
                                              impl='sdpa'),
            lambda q, k, v: _softmax_ref(q, k, v, 0.25), [q, k, v])


@pytest.mark.parametrize('dim_v, expected', [(16, 'sdpa'), (8, 'chunked')])
def test_auto_path_on_the_cpu(monkeypatch, dim_v, expected):
    """Small affinities are materialised; larger ones go to SDPA's fused
    (flash) kernel when the values are as wide as the keys (embedded
    gaussian), else to the chunked path (gaussian: C-wide keys, C/2-wide
    values, which the CPU's flash kernel does not take)."""
    from nl1d.models.layers import nonlocal_attention
    taken = []
    sdpa = F.scaled_dot_product_attention
    chunked = ChunkedSoftmaxAttention.apply
    monkeypatch.setattr(
        nonlocal_attention.F, 'scaled_dot_product_attention',
        lambda *a, **kw: taken.append('sdpa') or sdpa(*a, **kw))
    monkeypatch.setattr(
        nonlocal_attention.ChunkedSoftmaxAttention, 'apply',
        lambda *a: taken.append('chunked') or chunked(*a))
    length = 2100  # 1 x 2100 x 2100 > NAIVE_MAX_ELEMENTS
    assert length**2 > nonlocal_attention.NAIVE_MAX_ELEMENTS
    q, k, v = _inputs((1, length, 16), (1, length, 16), (1, length, dim_v))
    out = softmax_attention(q.float(), k.float(), v.float())
    assert taken == [expected]
    torch.testing.assert_close(out.double(), _softmax_ref(q, k, v, 1.0),
                               atol=1e-5, rtol=1e-4)
    taken.clear()
    q, k, v = (t[:, :100] for t in (q, k, v))
    softmax_attention(q.float(), k.float(), v.float())
    assert taken == []  # naive for a small affinity


@pytest.mark.parametrize('chunk', [1, 5, 64, 1000])
def test_chunked_softmax_chunk_sizes_and_large_scores(chunk):
    # scores up to ~hundreds: the log-sum-exp must keep it stable
    tensors = _inputs((2, 64, 16), (2, 48, 16), (2, 48, 4), scale=4.0)
    _compare(
        lambda q, k, v: ChunkedSoftmaxAttention.apply(q, k, v, 0.5, chunk),
        lambda q, k, v: _softmax_ref(q, k, v, 0.5), tensors, atol=1e-4)


@pytest.mark.parametrize('impl', ['naive', 'linear', 'auto'])
@pytest.mark.parametrize('keys', [33, 16])
def test_dot_product_paths(impl, keys):
    tensors = _inputs((2, 33, 8), (2, keys, 8), (2, keys, 5))
    _compare(lambda q, k, v: dot_product_attention(q, k, v, impl=impl),
             _dot_ref, tensors)


@pytest.mark.parametrize('impl', ['naive', 'sorted', 'auto'])
@pytest.mark.parametrize('keys', [41, 20])
def test_concatenation_paths(impl, keys):
    tensors = _inputs((3, 41), (3, keys), (3, keys, 6))
    _compare(lambda a, b, v: concatenation_attention(a, b, v, impl=impl),
             _concat_ref, tensors)


def test_concatenation_sorted_all_and_no_keys_active():
    a = torch.tensor([[10.0, -10.0, 0.0]])
    b = torch.tensor([[1.0, 2.0, -3.0, 0.5]])
    v = torch.arange(8.0).reshape(1, 4, 2)
    torch.testing.assert_close(
        concatenation_attention(a, b, v, impl='sorted'),
        _concat_ref(a, b, v))
    # query 1 (a=-10): no active key, exactly zero
    assert concatenation_attention(a, b, v, impl='sorted')[0, 1].eq(0).all()


@pytest.mark.parametrize('fn, args', [
    (softmax_attention, 3),
    (dot_product_attention, 3),
])
def test_half_precision_inputs_computed_in_float32(fn, args):
    tensors = _inputs((1, 20, 8), (1, 20, 8), (1, 20, 8), scale=3.0)
    bf16 = [t.to(torch.bfloat16) for t in tensors]
    out = fn(*bf16, impl='naive')
    assert out.dtype == torch.float32
    # identical to the float32 computation on the (exactly) upcast inputs
    torch.testing.assert_close(out, fn(*[t.float() for t in bf16],
                                       impl='naive'))


def test_unknown_impl_is_rejected():
    q = torch.randn(1, 4, 2)
    with pytest.raises(ValueError, match='attn_impl'):
        softmax_attention(q, q, q, impl='flash')
    with pytest.raises(ValueError, match='attn_impl'):
        dot_product_attention(q, q, q, impl='chunked')


@pytest.mark.parametrize('offset', [0.0, -5.0, 70.0])
def test_chunked_softmax_with_and_without_max_shift(offset):
    """Row maxima in [0, 60] take the unshifted path, others the shifted
    one (negative maxima could underflow, large ones overflow)."""
    q, k, v = _inputs((2, 40, 8), (2, 30, 8), (2, 30, 5), seed=3)
    # a constant column in q and k adds `offset` to every score
    q = torch.cat([q, torch.ones(2, 40, 1, dtype=q.dtype)], dim=2)
    k = torch.cat([k, torch.full((2, 30, 1), offset, dtype=k.dtype)], dim=2)
    _compare(
        lambda q, k, v: ChunkedSoftmaxAttention.apply(q, k, v, 1.0, 16),
        lambda q, k, v: _softmax_ref(q, k, v, 1.0), [q, k, v], atol=1e-4)
