# Copyright (c) nl1d contributors. All rights reserved.
"""Key padding (``key_lengths``) in every aggregation path.

The invariant: in a right-padded batch, output row ``n`` with
``key_lengths[n] = m`` equals the same queries run against ``keys[:m]`` and
``values[:m]`` alone (no padding, ``key_lengths=None``), forward and
gradients, and the padded keys and values get exactly zero gradient. The
padded positions hold large finite garbage, so any leak shows. Each path
is also checked against the naive masked formula written out here.
"""
import functools

import pytest
import torch
import torch.nn.functional as F

from nl1d.models.layers import chunked_softmax
from nl1d.models.layers import nonlocal_attention as attention
from nl1d.models.layers.chunked_softmax import ChunkedSoftmaxAttention
from nl1d.models.layers.nonlocal_attention import (concatenation_affinity,
                                                   concatenation_attention,
                                                   dot_product_affinity,
                                                   dot_product_attention,
                                                   softmax_affinity,
                                                   softmax_attention)

N, LENGTH, KEYS, DIM, DIM_V = 3, 37, 29, 8, 5
#: a full row beside a short one, and a single key
LENGTHS = (KEYS, 1, 17)
SCALE = 0.25
TOLERANCES = {
    torch.float64: dict(atol=1e-10, rtol=1e-8),
    torch.float32: dict(atol=1e-5, rtol=1e-4),
}


def _softmax_ref(q, k, v, lengths):
    scores = q @ k.transpose(1, 2) * SCALE  # (N, L, L_k)
    valid = torch.arange(k.shape[1])[None, None, :] < lengths[:, None, None]
    return torch.softmax(scores.masked_fill(~valid, -torch.inf), -1) @ v


def _dot_ref(q, k, v, lengths):
    valid = torch.arange(k.shape[1])[None, None, :] < lengths[:, None, None]
    affinity = (q @ k.transpose(1, 2)) * valid / lengths[:, None, None]
    return affinity @ v


def _concat_ref(a, b, v, lengths):
    valid = torch.arange(b.shape[1])[None, None, :] < lengths[:, None, None]
    affinity = F.relu(a[:, :, None] + b[:, None, :]) * valid
    return affinity / lengths[:, None, None] @ v


def _softmax(impl, chunk_size=7):
    return functools.partial(
        softmax_attention, scale=SCALE, impl=impl, chunk_size=chunk_size)


#: (path, kind of inputs, naive masked formula); 7-row chunks do not divide
#: the 37 queries
PATHS = {
    **{f'softmax-{impl}': (_softmax(impl), 'qkv', _softmax_ref)
       for impl in ('naive', 'sdpa', 'chunked', 'auto')},
    **{f'dot_product-{impl}': (functools.partial(
        dot_product_attention, impl=impl), 'qkv', _dot_ref)
       for impl in ('naive', 'linear', 'auto')},
    **{f'concatenation-{impl}': (functools.partial(
        concatenation_attention, impl=impl), 'abv', _concat_ref)
       for impl in ('naive', 'sorted', 'auto')},
}


def _batch(kind, dtype=torch.float64, lengths=LENGTHS, seed=0, scale=1.0,
           garbage=30.0):
    """(queries, keys, values) of a right-padded batch: q (N, L, E) or a
    (N, L); k (N, L_k, E) or b (N, L_k); v (N, L_k, E_v). Padded positions
    hold large finite garbage."""
    gen = torch.Generator().manual_seed(seed)

    def randn(*shape):
        return torch.randn(*shape, generator=gen, dtype=torch.float64)

    n, keys = len(lengths), KEYS
    if kind == 'qkv':
        q, k = randn(n, LENGTH, DIM) * scale, randn(n, keys, DIM) * scale
    else:
        q, k = randn(n, LENGTH), randn(n, keys)
    v = randn(n, keys, DIM_V)
    for n_, m in enumerate(lengths):
        k[n_, m:] = randn(*k[n_, m:].shape) * garbage + garbage
        v[n_, m:] = randn(*v[n_, m:].shape) * garbage
    return [t.to(dtype) for t in (q, k, v)]


def _leaves(*tensors):
    return [t.detach().clone().requires_grad_() for t in tensors]


def _check_invariant(fn, inputs, lengths, dtype):
    """Row n of the padded batch against keys[:m] alone, forward and
    gradients; zero gradients at the padded keys and values."""
    tol = TOLERANCES[dtype]
    leaves = _leaves(*inputs)
    out = fn(*leaves, key_lengths=torch.tensor(lengths))
    assert out.dtype == dtype
    grad = torch.randn(out.shape, dtype=dtype,
                       generator=torch.Generator().manual_seed(1))
    out.backward(grad)
    for n, m in enumerate(lengths):
        query, key, value = _leaves(inputs[0][n:n + 1], inputs[1][n:n + 1, :m],
                                    inputs[2][n:n + 1, :m])
        alone = fn(query, key, value)  # (1, L, E_v), no padding
        alone.backward(grad[n:n + 1])
        torch.testing.assert_close(out[n:n + 1], alone, **tol)
        torch.testing.assert_close(leaves[0].grad[n:n + 1], query.grad, **tol)
        torch.testing.assert_close(leaves[1].grad[n:n + 1, :m], key.grad,
                                   **tol)
        torch.testing.assert_close(leaves[2].grad[n:n + 1, :m], value.grad,
                                   **tol)
        assert leaves[1].grad[n, m:].eq(0).all()  # exactly zero
        assert leaves[2].grad[n, m:].eq(0).all()


@pytest.mark.parametrize('dtype', [torch.float64, torch.float32])
@pytest.mark.parametrize('path', list(PATHS))
def test_padded_rows_equal_unpadded_keys(path, dtype):
    fn, kind, _ = PATHS[path]
    _check_invariant(fn, _batch(kind, dtype), LENGTHS, dtype)


@pytest.mark.parametrize('path', list(PATHS))
def test_paths_equal_the_naive_masked_formula(path):
    """float32 paths against the masked formula in float64."""
    fn, kind, ref = PATHS[path]
    inputs = _batch(kind)
    lengths = torch.tensor(LENGTHS)
    ours, theirs = _leaves(*(t.float() for t in inputs)), _leaves(*inputs)
    out, expected = fn(*ours, key_lengths=lengths), ref(*theirs, lengths)
    assert out.dtype == torch.float32
    torch.testing.assert_close(out.double(), expected, **TOLERANCES[
        torch.float32])
    grad = torch.randn_like(expected)
    out.backward(grad.float())
    expected.backward(grad)
    for o, t in zip(ours, theirs):
        torch.testing.assert_close(o.grad.double(), t.grad,
                                   **TOLERANCES[torch.float32])


@pytest.mark.parametrize('path', list(PATHS))
def test_bf16_inputs_computed_in_float32(path):
    """bf16 inputs give exactly the float32 computation on the (exactly)
    upcast inputs, masked."""
    fn, kind, _ = PATHS[path]
    bf16 = [t.to(torch.bfloat16) for t in _batch(kind, garbage=3.0)]
    lengths = torch.tensor(LENGTHS)
    out = fn(*bf16, key_lengths=lengths)
    assert out.dtype == torch.float32
    expected = fn(*[t.float() for t in bf16], key_lengths=lengths)
    torch.testing.assert_close(out, expected, atol=0, rtol=0)


@pytest.mark.parametrize('path', list(PATHS))
def test_full_key_lengths_equal_no_padding(path):
    fn, kind, _ = PATHS[path]
    inputs = [t.float() for t in _batch(kind, lengths=(KEYS, ) * N)]
    full = torch.full((N, ), KEYS)
    torch.testing.assert_close(fn(*inputs, key_lengths=full), fn(*inputs))


@pytest.mark.parametrize('chunk', [1, 5, 7, 64])
@pytest.mark.parametrize('offsets, scale, unshifted, clamp', [
    ((10.0, ), 1.0, True, False),
    ((10.0, -80.0), 1.0, True, True),
    ((-5.0, ), 1.0, False, False),
    ((70.0, ), 1.0, False, False),
    ((0.0, ), 4.0, False, True),
])
def test_chunked_shifted_and_unshifted_branches(chunk, offsets, scale,
                                                unshifted, clamp):
    """Row maxima over the valid keys all in [0, 60] take the unshifted
    branch, others the shifted one; exp arguments down to -60 the EXP_FLOOR
    clamp. Each branch keeps the invariant."""
    q, k, v = _batch('qkv', seed=3, scale=scale)
    # a column of ones in q and of `offsets` (cycled over the keys) in k
    # adds the key's offset to its scores
    column = torch.tensor(offsets, dtype=k.dtype).repeat(KEYS)[:KEYS]
    q = torch.cat([q, torch.ones(N, LENGTH, 1, dtype=q.dtype)], dim=2)
    k = torch.cat([k, column.expand(N, KEYS)[:, :, None]], dim=2)

    def fn(q, k, v, key_lengths=None):
        return ChunkedSoftmaxAttention.apply(q, k, v, 1.0, chunk,
                                             key_lengths)

    _check_invariant(fn, [q, k, v], LENGTHS, torch.float64)
    node = fn(q, k, v.requires_grad_(), torch.tensor(LENGTHS)).grad_fn
    assert node.unshifted == unshifted and any(node.clamp) == clamp


def test_chunked_branches_see_the_valid_keys_only(monkeypatch):
    """Huge padded scores must not decide the max-shift or the EXP_FLOOR
    clamp: with small valid scores no block is clamped, and the result is
    right (a shift by a padded maximum would underflow every valid exp)."""
    q, k, v = _leaves(*(t.float() for t in _batch('qkv', garbage=1e4)))
    lengths = torch.tensor(LENGTHS)
    clamps = []
    threshold = chunked_softmax.F.threshold_
    monkeypatch.setattr(chunked_softmax.F, 'threshold_',
                        lambda *a: clamps.append(1) or threshold(*a))
    out = ChunkedSoftmaxAttention.apply(q, k, v, SCALE, 8, lengths)
    out.backward(torch.ones_like(out))
    assert clamps == []
    expected = _softmax_ref(*(t.detach().double() for t in (q, k, v)),
                            lengths)
    torch.testing.assert_close(out.double(), expected, atol=1e-5, rtol=1e-4)
    assert all(torch.isfinite(t.grad).all() for t in (q, k, v))


def test_chunked_gradcheck_with_padding():
    q, k, v = (t[:, :9] if t.shape[1] == LENGTH else t
               for t in _batch('qkv', seed=5))
    lengths = torch.tensor(LENGTHS)
    assert torch.autograd.gradcheck(
        lambda q, k, v: ChunkedSoftmaxAttention.apply(q, k, v, 0.5, 4,
                                                      lengths),
        _leaves(q, k, v), fast_mode=True)


def test_concatenation_sorted_with_padded_keys_sorting_anywhere():
    """Padded keys whose b sorts first (active for every query) or last
    (for none) add nothing; equal b among valid keys too."""
    a, b, v = _batch('abv')
    lengths = torch.tensor(LENGTHS)
    b[0, 10:20] = 0.5  # ties
    for garbage in (1e6, -1e6):
        b[1, 1:], b[2, 17:] = garbage, -garbage
        _check_invariant(functools.partial(
            concatenation_attention, impl='sorted'), [a, b, v], LENGTHS,
                         torch.float64)
        torch.testing.assert_close(
            concatenation_attention(a, b, v, impl='sorted',
                                    key_lengths=lengths),
            _concat_ref(a, b, v, lengths))


@pytest.mark.parametrize('fn, kind', [
    (functools.partial(softmax_affinity, scale=SCALE), 'qkv'),
    (dot_product_affinity, 'qkv'),
    (concatenation_affinity, 'abv'),
])
def test_affinities_zero_at_padded_keys(fn, kind):
    query, key, _ = _batch(kind)
    lengths = torch.tensor(LENGTHS)
    affinity = fn(query, key, key_lengths=lengths)  # (N, L, L_k)
    for n, m in enumerate(LENGTHS):
        assert affinity[n, :, m:].eq(0).all()
        torch.testing.assert_close(affinity[n:n + 1, :, :m],
                                   fn(query[n:n + 1], key[n:n + 1, :m]))


def test_sdpa_masked_path_runs_the_flash_kernel():
    """The CPU's flash kernel takes the (N, 1, 1, L_k) mask: with only it
    allowed the masked path runs, forward and backward."""
    from torch.nn.attention import SDPBackend, sdpa_kernel
    q, k, v = _batch('qkv', dtype=torch.float32)
    v = torch.cat([v, v[..., :DIM - DIM_V]], dim=2)  # flash: E_v == E
    with sdpa_kernel([SDPBackend.FLASH_ATTENTION]):
        _check_invariant(_softmax('sdpa'), [q, k, v], LENGTHS, torch.float32)


@pytest.mark.parametrize('dim_v, expected', [(16, 'sdpa'), (8, 'chunked')])
def test_auto_softmax_path_with_padding_on_the_cpu(monkeypatch, dim_v,
                                                   expected):
    """On the CPU padding changes no choice: SDPA (its flash kernel takes
    the mask as it is) when values are as wide as keys, else chunked."""
    taken = []
    sdpa = F.scaled_dot_product_attention
    chunked = ChunkedSoftmaxAttention.apply
    monkeypatch.setattr(
        attention.F, 'scaled_dot_product_attention',
        lambda *a, **kw: taken.append('sdpa') or sdpa(*a, **kw))
    monkeypatch.setattr(attention.ChunkedSoftmaxAttention, 'apply',
                        lambda *a: taken.append('chunked') or chunked(*a))
    length = 2100  # 1 x 2100 x 2100 > NAIVE_MAX_ELEMENTS
    gen = torch.Generator().manual_seed(0)
    q, k, v = (torch.randn(1, length, d, generator=gen)
               for d in (16, 16, dim_v))
    lengths = torch.tensor([1500])
    out = softmax_attention(q, k, v, key_lengths=lengths)
    assert taken == [expected]
    torch.testing.assert_close(
        out, softmax_attention(q, k[:, :1500], v[:, :1500], impl='naive'),
        atol=1e-5, rtol=1e-4)


def test_key_lengths_are_checked():
    q = torch.randn(2, 4, 3)
    for bad, match in [(torch.tensor([4]), r'\(N,\)'),
                       (torch.tensor([4.0, 2.0]), 'integer'),
                       (torch.tensor([0, 2]), r'\[1, L_k\]'),
                       (torch.tensor([5, 2]), r'\[1, L_k\]')]:
        for fn in (softmax_attention, dot_product_attention):
            for impl in ('naive', 'auto'):
                with pytest.raises(ValueError, match=match):
                    fn(q, q, q, impl=impl, key_lengths=bad)
    with pytest.raises(ValueError, match='integer'):
        softmax_attention(q, q, q, impl='chunked',
                          key_lengths=torch.tensor([True, True]))


class _Masked(torch.nn.Module):
    """The three attention functions with padding; export turns every impl
    into the naive formula."""

    def forward(self, q, k, v, lengths):
        a, b = q.sum(dim=2), k.sum(dim=2)  # (N, L), (N, L_k)
        return (softmax_attention(q, k, v, key_lengths=lengths) +
                dot_product_attention(q, k, v, impl='linear',
                                      key_lengths=lengths) +
                concatenation_attention(a, b, v, impl='sorted',
                                        key_lengths=lengths))


@pytest.mark.slow
@pytest.mark.filterwarnings('ignore::FutureWarning',
                            'ignore:# The axis name:UserWarning')
def test_onnx_export_with_key_lengths(tmp_path):
    """Opset 17 exports the masked naive formula; ONNX Runtime gives
    PyTorch's output for other lengths and sizes."""
    import onnx
    import onnxruntime
    model = _Masked().eval()
    q, k, v = (t.float() for t in _batch('qkv'))
    lengths = torch.tensor(LENGTHS)
    dim = torch.export.Dim
    batch, keys = dim('batch', min=1, max=64), dim('keys', min=2, max=4096)
    shapes = dict(q={0: batch}, k={0: batch, 1: keys},
                  v={0: batch, 1: keys}, lengths={0: batch})
    path = str(tmp_path / 'masked.onnx')
    torch.onnx.export(model, (q, k, v, lengths), path, dynamo=True,
                      opset_version=17, dynamic_shapes=shapes,
                      input_names=['q', 'k', 'v', 'lengths']).save(path)
    ops = {node.op_type for node in onnx.load(path).graph.node}
    assert {'Where', 'Softmax'} <= ops and 'TopK' not in ops  # naive, masked
    session = onnxruntime.InferenceSession(path)
    for inputs, lengths in [((q, k, v), lengths),
                            ((q[:2], k[:2, :20], v[:2, :20]),
                             torch.tensor([20, 3]))]:
        feed = dict(zip(['q', 'k', 'v', 'lengths'],
                        [t.numpy() for t in (*inputs, lengths)]))
        with torch.no_grad():
            expected = model(*inputs, lengths)
        torch.testing.assert_close(
            torch.from_numpy(session.run(None, feed)[0]), expected,
            atol=1e-4, rtol=1e-4)
