# Copyright (c) nl1d contributors. All rights reserved.
"""Exact, memory-lean aggregation paths of the non-local operation.

The non-local operation of Wang et al. (CVPR 2018) computes, for every query
position ``i`` of a sequence,

    y_i = 1 / C(x) * sum_j f(x_i, x_j) g(x_j)

Materialising the ``L x L_k`` affinity ``f`` costs ``O(L * L_k)`` memory,
which does not fit for long signals. Each function here returns exactly the
same ``y`` (up to float rounding) as the naive formula, with the layout
``(N, positions, channels)``:

- softmax affinities (``gaussian``, ``embedded_gaussian``):
  :func:`softmax_attention` through
  :func:`torch.nn.functional.scaled_dot_product_attention` (fused kernels on
  GPU) or through :class:`ChunkedSoftmaxAttention`, exact attention computed
  in query chunks and recomputed chunk by chunk in backward (the CPU path:
  ``O(L)`` memory, about as fast as the naive computation).
- ``dot_product`` (``f = theta_i . phi_j``, ``C(x) = L_k``):
  :func:`dot_product_attention` as ``theta (phi^T g) / L_k`` in linear time
  and memory.
- ``concatenation`` (``f = ReLU(w . [theta_i; phi_j]) = ReLU(a_i + b_j)``,
  ``C(x) = L_k``): :func:`concatenation_attention`. Sorting ``b`` makes the set
  of active keys of each query a prefix, so ``y_i = (a_i * G_k + B_k) / L_k``
  with prefix sums ``G`` of ``g`` and ``B`` of ``b * g``: exact, ``O(L log L)``
  time and ``O(L)`` memory, no ``L x L_k`` tensor at all (this supersedes
  chunking the queries, which still costs ``O(L * L_k)`` time).

The ``*_affinity`` functions materialise the normalised ``(N, L, L_k)``
weights ``f / C(x)`` themselves: the naive paths multiply them with ``g``,
and :meth:`~nl1d.models.layers.NonLocal1d.attention_map` returns them.

Every function computes in float32 when its inputs are half precision (the
affinity and softmax must not run in fp16/bf16 under autocast) and returns
float32; the caller's output projection casts back.
"""
import math
from typing import Optional, Tuple

import torch
import torch.nn.functional as F
from torch import Tensor

#: Affinity sizes ``N * L * L_k`` up to which ``impl='auto'`` materialises the
#: affinity (the cheapest way for short sequences, e.g. ``L = 64`` at res5).
NAIVE_MAX_ELEMENTS = 1 << 22

#: Elements of one score block ``N * chunk * L_k`` of the chunked softmax path
#: (64 MiB in float32; forward holds one block, backward two): 1024 query rows
#: at L_k = 16384. Tall blocks keep the accumulating products
#: ``dK += dS^T q`` efficient: 256-row chunks ran about 2x slower than
#: 1024- to 2048-row ones at L = 8192 on a 2-core CPU.
CHUNK_ELEMENTS = 1 << 24

#: Largest row maximum of the scores for which the chunked path skips the
#: max-shift of the softmax (``exp(60) * 2**31`` keys still fits float32).
MAX_UNSHIFTED = 60.0

#: Arguments of exp at or below this are sent to -inf, so their probabilities
#: are exactly 0 instead of tiny or denormal floats, which make exp and the
#: following products very slow on x86 (no flush-to-zero by default). The
#: change is below exp(-60) < 1e-26 relative to the row, far below float32
#: resolution.
EXP_FLOOR = -60.0

SOFTMAX_IMPLS = ('auto', 'naive', 'sdpa', 'chunked')
DOT_PRODUCT_IMPLS = ('auto', 'naive', 'linear')
CONCATENATION_IMPLS = ('auto', 'naive', 'sorted')


def _float32(*tensors: Tensor) -> Tuple[Tensor, ...]:
    """Cast half-precision tensors to float32, leave the others alone."""
    return tuple(
        t.float() if t.dtype in (torch.float16, torch.bfloat16) else t
        for t in tensors)


def _check_impl(impl: str, allowed: Tuple[str, ...], name: str) -> None:
    if impl not in allowed:
        raise ValueError(f'{name}: impl must be one of {allowed}, but got '
                         f'{impl!r}. Set `attn_impl` of NonLocal1d to one of '
                         'them.')


def _export_impl(impl: str) -> str:
    """``'naive'`` while ``torch.onnx`` exports (the plain formula: the
    chunked path is an autograd Function with a Python loop, the sorted one
    needs ``searchsorted``, which ONNX lacks, and ``'auto'`` would freeze a
    size-dependent choice into the graph); ``impl`` otherwise. Every path is
    exact, so the exported graph computes what the module computes."""
    return 'naive' if torch.onnx.is_in_onnx_export() else impl


def _chunk_rows(n: int, length: int, keys: int,
                chunk_size: Optional[int]) -> int:
    """Number of query rows per chunk."""
    if chunk_size is not None:
        if chunk_size < 1:
            raise ValueError(f'chunk_size must be >= 1, but got {chunk_size}.')
        return min(chunk_size, length)
    return max(1, min(length, CHUNK_ELEMENTS // max(1, n * keys)))


class _Buffer:
    """A flat allocation handing out contiguous (N, rows, L_k) blocks, so
    the chunk loop reuses one block of memory (no allocation per chunk)."""

    def __init__(self, like: Tensor, n: int, keys: int) -> None:
        self.n, self.keys = n, keys
        self.storage = like.new_empty(0)

    def block(self, rows: int) -> Tensor:
        size = self.n * rows * self.keys
        if self.storage.numel() < size:
            self.storage = self.storage.new_empty(size)
        return self.storage[:size].view(self.n, rows, self.keys)


def _bmm_into(dst: Tensor, a: Tensor, b: Tensor) -> Tensor:
    """``dst[...] = a @ b``, without a temporary when ``dst`` is contiguous
    (row slices of a batch of one)."""
    if dst.is_contiguous():
        return torch.bmm(a, b, out=dst)
    dst.copy_(torch.bmm(a, b))
    return dst


def _with_column(x: Tensor, column: Tensor) -> Tensor:
    """Append one column: (N, M, D), (N, M) -> (N, M, D + 1)."""
    return torch.cat([x, column[:, :, None].to(x.dtype)], dim=2)


class ChunkedSoftmaxAttention(torch.autograd.Function):
    """Exact ``softmax(q k^T * scale) v`` computed in query chunks.

    Forward keeps only the output and the log-sum-exp of each query row;
    backward recomputes each chunk's probabilities from them (the
    FlashAttention recurrence, done with BLAS matrix products on the CPU).
    Peak memory beyond inputs and outputs is a few ``N x chunk x L_k``
    blocks, reused from chunk to chunk: independent of ``L``.

    Passes over the ``chunk x L_k`` blocks are what costs beyond the matrix
    products, so there are as few as possible: when every row maximum of
    the scores lies in ``[0, MAX_UNSHIFTED]`` (the usual case) the softmax
    needs no max-shift, and backward moves the per-row weights
    ``exp(-lse)`` onto the small ``(c, E)`` operands; otherwise backward gets
    ``S - lse`` from ``[s q, -lse] [k, 1]^T``. ``dP - D`` always comes from
    ``[dO, -D] [v, 1]^T`` (one extra column in the products' inner
    dimension; an extra *output* column would cost more than it saves).

    Inputs:
        q (Tensor): (N, L, E) queries.
        k (Tensor): (N, L_k, E) keys.
        v (Tensor): (N, L_k, E_v) values.
        scale (float): Multiplier of the scores.
        chunk (int): Query rows per chunk.

    Returns:
        Tensor: (N, L, E_v).
    """

    @staticmethod
    def forward(ctx, q: Tensor, k: Tensor, v: Tensor, scale: float,
                chunk: int) -> Tensor:
        n, length, _ = q.shape
        keys = k.shape[1]
        k_t = k.transpose(1, 2)  # (N, E, L_k)
        # scale the queries once (N L E) instead of every score (N L L_k)
        q_scaled = q * scale if scale != 1.0 else q  # (N, L, E)
        out = q.new_empty(n, length, v.shape[2])  # (N, L, E_v)
        lse = q.new_empty(n, length)  # (N, L)
        unshifted = True  # every chunk's row maxima in [0, MAX_UNSHIFTED]
        clamp = []  # per chunk: whether exp arguments reach EXP_FLOOR
        buffer = _Buffer(q, n, keys)  # one score block, reused
        for start in range(0, length, chunk):
            stop = min(start + chunk, length)
            scores = buffer.block(stop - start)  # (N, c, L_k)
            torch.bmm(q_scaled[:, start:stop], k_t, out=scores)
            row_min, row_max = torch.aminmax(scores, dim=-1, keepdim=True)
            # exp(S) needs no shift when no row max overflows or underflows:
            # exp(S) / sum exp(S) = exp(S - m) / sum exp(S - m), one pass
            # over the block fewer.
            if 0.0 <= float(row_max.min()) and \
                    float(row_max.max()) <= MAX_UNSHIFTED:
                shift = None
                low = row_min  # smallest exp argument, forward and backward
            else:
                scores.sub_(row_max)
                shift, unshifted = row_max, False
                low = row_min - row_max  # backward's S - lse is lower still
                low = low - math.log(keys)
            clamp.append(float(low.min()) <= EXP_FLOOR)
            if clamp[-1]:  # see EXP_FLOOR
                F.threshold_(scores, EXP_FLOOR, -math.inf)
            scores.exp_()  # unnormalised probabilities
            denom = scores.sum(dim=-1, keepdim=True)  # (N, c, 1)
            _bmm_into(out[:, start:stop], scores, v).div_(denom)  # (N,c,E_v)
            log_denom = denom.log()
            lse[:, start:stop] = (log_denom if shift is None else shift +
                                  log_denom).squeeze(-1)
        ctx.save_for_backward(q_scaled, k, v, out, lse)
        ctx.scale, ctx.chunk, ctx.unshifted = scale, chunk, unshifted
        ctx.clamp = clamp
        return out

    @staticmethod
    def backward(ctx, grad_out: Tensor):
        q_scaled, k, v, out, lse = ctx.saved_tensors
        scale, chunk = ctx.scale, ctx.chunk
        n, length = q_scaled.shape[:2]
        keys = k.shape[1]
        grad_out = grad_out.contiguous()
        ones = k.new_ones(n, keys)
        # dP - D = [dO, -D] [v, 1]^T with D_i = dO_i . O_i = sum_j P_ij dP_ij
        delta = (grad_out * out).sum(dim=-1)  # (N, L)
        grad_delta = _with_column(grad_out, -delta)  # (N, L, E_v + 1)
        v_one_t = _with_column(v, ones).transpose(1, 2)  # (N, E_v + 1, L_k)
        if ctx.unshifted:
            # P = exp(S) * w with w = exp(-lse) per row: the row weights go
            # to the small (c, E) operands, never to the (c, L_k) block.
            q_lse, k_one_t = q_scaled, k.transpose(1, 2)
            weight = torch.exp(-lse)[:, :, None]  # (N, L, 1)
            grad_out_w = grad_out * weight  # (N, L, E_v)
            q_w = q_scaled * weight  # (N, L, E)
        else:
            # P = exp(S - lse) with S - lse = [s q, -lse] [k, 1]^T
            q_lse = _with_column(q_scaled, -lse)  # (N, L, E + 1)
            k_one_t = _with_column(k, ones).transpose(1, 2)  # (N, E+1, L_k)
            weight, grad_out_w, q_w = None, grad_out, q_scaled
        grad_q = torch.empty_like(q_scaled)
        grad_k = torch.zeros_like(k)
        grad_v = torch.zeros_like(v)
        probs_buffer = _Buffer(q_scaled, n, keys)  # reused blocks
        grad_buffer = _Buffer(q_scaled, n, keys)
        for index, start in enumerate(range(0, length, chunk)):
            stop = min(start + chunk, length)
            rows = slice(start, stop)
            # P, or exp(S) = P / w when unshifted: (N, c, L_k), recomputed
            probs = probs_buffer.block(stop - start)
            torch.bmm(q_lse[:, rows], k_one_t, out=probs)
            if ctx.clamp[index]:  # see EXP_FLOOR
                F.threshold_(probs, EXP_FLOOR, -math.inf)
            probs.exp_()
            grad_v.baddbmm_(probs.transpose(1, 2), grad_out_w[:, rows])
            # dS = P * (dP - D), the gradient of the scores s q k^T
            grad_s = grad_buffer.block(stop - start)
            torch.bmm(grad_delta[:, rows], v_one_t, out=grad_s)
            grad_s.mul_(probs)  # (N, c, L_k), dS / w when unshifted
            _bmm_into(grad_q[:, rows], grad_s, k)  # (N, c, E)
            grad_k.baddbmm_(grad_s.transpose(1, 2), q_w[:, rows])
        if weight is not None:
            grad_q.mul_(weight)
        if scale != 1.0:
            grad_q.mul_(scale)  # d(s q) / dq
        return grad_q, grad_k, grad_v, None, None


def softmax_affinity(q: Tensor, k: Tensor, scale: float = 1.0) -> Tensor:
    """The materialised ``softmax(q k^T * scale)`` (gaussian / embedded
    gaussian).

    Args:
        q (Tensor): (N, L, E) queries (theta).
        k (Tensor): (N, L_k, E) keys (phi).
        scale (float): Multiplier of the scores. Defaults to 1.0.

    Returns:
        Tensor: (N, L, L_k), each row sums to 1.
    """
    scores = torch.matmul(q, k.transpose(1, 2))  # (N, L, L_k)
    if scale != 1.0:
        scores = scores * scale
    return scores.softmax(dim=-1)  # (N, L, L_k)


def dot_product_affinity(q: Tensor, k: Tensor) -> Tensor:
    """The materialised ``q k^T / L_k`` (dot product).

    Args:
        q (Tensor): (N, L, E) queries (theta).
        k (Tensor): (N, L_k, E) keys (phi).

    Returns:
        Tensor: (N, L, L_k).
    """
    return torch.matmul(q, k.transpose(1, 2)) / k.shape[1]  # (N, L, L_k)


def concatenation_affinity(a: Tensor, b: Tensor) -> Tensor:
    """The materialised ``ReLU(a_i + b_j) / L_k`` (concatenation).

    Args:
        a (Tensor): (N, L) query terms.
        b (Tensor): (N, L_k) key terms.

    Returns:
        Tensor: (N, L, L_k).
    """
    return F.relu(a[:, :, None] + b[:, None, :]) / b.shape[1]  # (N, L, L_k)


def softmax_attention(q: Tensor,
                      k: Tensor,
                      v: Tensor,
                      scale: float = 1.0,
                      impl: str = 'auto',
                      chunk_size: Optional[int] = None) -> Tensor:
    """``y = softmax(q k^T * scale) v`` (gaussian / embedded gaussian).

    Args:
        q (Tensor): (N, L, E) queries (theta).
        k (Tensor): (N, L_k, E) keys (phi).
        v (Tensor): (N, L_k, E_v) values (g).
        scale (float): Multiplier of the scores. Defaults to 1.0.
        impl (str): ``'naive'`` materialises the affinity, ``'sdpa'`` calls
            :func:`torch.nn.functional.scaled_dot_product_attention`,
            ``'chunked'`` uses :class:`ChunkedSoftmaxAttention`. ``'auto'``
            picks ``'naive'`` for small affinities, else ``'sdpa'`` on
            accelerators and ``'chunked'`` on the CPU. Defaults to 'auto'.
        chunk_size (int, optional): Query rows per chunk of the chunked path.
            Defaults to None (a 64 MiB score block).

    Returns:
        Tensor: (N, L, E_v), float32 for half-precision inputs.
    """
    _check_impl(impl, SOFTMAX_IMPLS, 'softmax_attention')
    impl = _export_impl(impl)
    q, k, v = _float32(q, k, v)
    n, length, _ = q.shape
    keys = k.shape[1]
    if impl == 'auto':
        if n * length * keys <= NAIVE_MAX_ELEMENTS:
            impl = 'naive'
        else:
            impl = 'chunked' if q.device.type == 'cpu' else 'sdpa'
    if impl == 'naive':
        return torch.matmul(softmax_affinity(q, k, scale), v)  # (N, L, E_v)
    if impl == 'sdpa':
        return F.scaled_dot_product_attention(q, k, v, scale=scale)
    chunk = _chunk_rows(n, length, keys, chunk_size)
    return ChunkedSoftmaxAttention.apply(q.contiguous(), k.contiguous(),
                                         v.contiguous(), float(scale), chunk)


def dot_product_attention(q: Tensor,
                          k: Tensor,
                          v: Tensor,
                          impl: str = 'auto') -> Tensor:
    """``y = (q k^T / L_k) v`` (dot product, normalised by ``L_k``).

    Args:
        q (Tensor): (N, L, E) queries (theta).
        k (Tensor): (N, L_k, E) keys (phi).
        v (Tensor): (N, L_k, E_v) values (g).
        impl (str): ``'naive'`` materialises the affinity, ``'linear'``
            computes ``q (k^T v) / L_k`` in ``O(L)`` time and memory.
            ``'auto'`` picks the one with fewer multiply-adds.
            Defaults to 'auto'.

    Returns:
        Tensor: (N, L, E_v), float32 for half-precision inputs.
    """
    _check_impl(impl, DOT_PRODUCT_IMPLS, 'dot_product_attention')
    impl = _export_impl(impl)
    q, k, v = _float32(q, k, v)
    length, dim = q.shape[1], q.shape[2]
    keys, dim_v = k.shape[1], v.shape[2]
    if impl == 'auto':
        naive_macs = length * keys * (dim + dim_v)
        linear_macs = (length + keys) * dim * dim_v
        impl = 'naive' if naive_macs <= linear_macs else 'linear'
    if impl == 'naive':
        return torch.matmul(dot_product_affinity(q, k), v)  # (N, L, E_v)
    context = torch.matmul(k.transpose(1, 2), v) / keys  # (N, E, E_v)
    return torch.matmul(q, context)  # (N, L, E_v)


def concatenation_attention(a: Tensor,
                            b: Tensor,
                            v: Tensor,
                            impl: str = 'auto') -> Tensor:
    """``y_i = sum_j ReLU(a_i + b_j) v_j / L_k`` (concatenation).

    ``a_i = w_theta . theta_i`` and ``b_j = w_phi . phi_j`` are the two halves
    of the bias-free ``concat_project`` applied to ``[theta_i; phi_j]``.

    Args:
        a (Tensor): (N, L) query terms.
        b (Tensor): (N, L_k) key terms.
        v (Tensor): (N, L_k, E_v) values (g).
        impl (str): ``'naive'`` materialises the affinity, ``'sorted'`` uses
            prefix sums over the keys sorted by ``b`` (exact, ``O(L log L)``
            time, ``O(L)`` memory). ``'auto'`` picks ``'naive'`` for small
            affinities. Defaults to 'auto'.

    Returns:
        Tensor: (N, L, E_v), float32 for half-precision inputs.
    """
    _check_impl(impl, CONCATENATION_IMPLS, 'concatenation_attention')
    impl = _export_impl(impl)
    a, b, v = _float32(a, b, v)
    n, length = a.shape
    keys = b.shape[1]
    if impl == 'auto':
        impl = 'naive' if n * length * keys <= NAIVE_MAX_ELEMENTS \
            else 'sorted'
    if impl == 'naive':
        return torch.matmul(concatenation_affinity(a, b), v)  # (N, L, E_v)
    # Key j is active for query i iff b_j > -a_i: sort c = -b ascending, then
    # the active keys of query i are the first count_i = #{c_j < a_i}.
    neg_b, order = torch.sort(-b, dim=1)  # (N, L_k)
    v_sorted = v.gather(1, order[:, :, None].expand_as(v))  # (N, L_k, E_v)
    zero = v.new_zeros(n, 1, v.shape[2])
    prefix_v = torch.cat([zero, v_sorted.cumsum(dim=1)], dim=1)
    prefix_bv = torch.cat(
        [zero, (-neg_b[:, :, None] * v_sorted).cumsum(dim=1)], dim=1)
    # (N, L_k + 1, E_v) each; row m holds the sum over the first m keys
    count = torch.searchsorted(neg_b.detach().contiguous(),
                               a.detach().contiguous())  # (N, L)
    index = count[:, :, None].expand(n, length, v.shape[2])
    sum_v = prefix_v.gather(1, index)  # (N, L, E_v)
    sum_bv = prefix_bv.gather(1, index)  # (N, L, E_v)
    return (a[:, :, None] * sum_v + sum_bv) / keys

