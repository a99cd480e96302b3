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
  :func:`torch.nn.functional.scaled_dot_product_attention`, whose fused
  kernels (memory-efficient on a GPU for float32, flash on the CPU) never
  hold the affinity, or through
  :class:`~nl1d.models.layers.chunked_softmax.ChunkedSoftmaxAttention`, exact
  attention computed in query chunks and recomputed chunk by chunk in
  backward (``O(L)`` memory, about as fast as the naive computation; the
  CPU path where values are narrower than keys, as in ``gaussian`` mode,
  which the CPU's flash kernel does not take).
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
from typing import Optional, Tuple

import torch
import torch.nn.functional as F
from torch import Tensor

from .chunked_softmax import ChunkedSoftmaxAttention, chunk_rows

#: Affinity sizes ``N * L * L_k`` up to which ``impl='auto'`` materialises the
#: affinity (the cheapest way for short sequences, e.g. ``L = 64`` at res5).
NAIVE_MAX_ELEMENTS = 1 << 22

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
            picks ``'naive'`` for small affinities, else ``'sdpa'``, except
            on the CPU when ``E_v != E`` (``'chunked'``). Defaults to 'auto'.
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
        elif q.device.type != 'cpu' or q.shape[-1] == v.shape[-1]:
            impl = 'sdpa'
        else:  # the CPU's fused kernel needs values as wide as the keys
            impl = 'chunked'
    if impl == 'naive':
        return torch.matmul(softmax_affinity(q, k, scale), v)  # (N, L, E_v)
    if impl == 'sdpa':
        # (N, 1, L, E): one head, contiguous. torch's fused kernels (flash,
        # memory-efficient) take only 4-D inputs whose last dimension has
        # stride 1; given others SDPA silently runs its math kernel, which
        # materialises the affinity.
        q, k, v = (t.contiguous()[:, None] for t in (q, k, v))
        return F.scaled_dot_product_attention(q, k, v, scale=scale)[:, 0]
    chunk = chunk_rows(n, length, keys, chunk_size)
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
