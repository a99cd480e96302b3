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

Key padding: a batch of records of different lengths, right-padded to the
longest, passes ``key_lengths``, the (N,) number of valid keys of each batch
row (keys ``j >= key_lengths[n]`` are padding). Every function and path then
gives padded keys zero weight (and exactly zero gradients) and divides by the
row's valid count instead of ``L_k``: each output row equals the computation
on the unpadded keys alone. Padded keys and values must be finite, as they
are after the embedding convolutions. ``key_lengths=None`` runs exactly the
unpadded code. No path builds an ``(N, L, L_k)`` mask: the naive ones mask
their affinity, SDPA takes an ``(N, 1, 1, L_k)`` boolean mask, the chunked
path masks each block, the linear and sorted ones zero the padded keys or
values.

Every function computes in float32 when its inputs are half precision (the
affinity and softmax must not run in fp16/bf16 under autocast) and returns
float32; the caller's output projection casts back.
"""
import math
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


def _tracing() -> bool:
    """Whether a graph is being captured (ONNX export, ``torch.jit.trace``,
    ``torch.compile``), where tensor values must not be read."""
    return (torch.onnx.is_in_onnx_export() or torch.jit.is_tracing()
            or torch.compiler.is_compiling())


def _check_key_lengths(key_lengths: Tensor, n: int, keys: int) -> None:
    """Raise unless ``key_lengths`` is (N,) integer, in [1, L_k] when on the
    CPU (reading CUDA values would wait for the device)."""
    if key_lengths.shape != (n, ) or key_lengths.is_floating_point() \
            or key_lengths.dtype == torch.bool:
        raise ValueError(
            f'key_lengths must be an (N,) = ({n},) integer tensor of valid '
            f'keys per batch row, but got {tuple(key_lengths.shape)} '
            f'{key_lengths.dtype}. Pass the unpadded length of each record '
            '(after any subsampling of the keys).')
    if key_lengths.device.type == 'cpu' and not _tracing():
        low, high = int(key_lengths.min()), int(key_lengths.max())
        if low < 1 or high > keys:
            raise ValueError(
                f'key_lengths must lie in [1, L_k] = [1, {keys}], but got '
                f'values in [{low}, {high}]. Give each record at least one '
                'key, and lengths of the keys as passed (after subsampling).')


def _padding(key_lengths: Tensor, n: int, keys: int,
             device: torch.device) -> Tensor:
    """The (N, L_k) boolean mask of the padded keys, ``j >= key_lengths[n]``
    (ONNX-exportable: Range, comparison)."""
    _check_key_lengths(key_lengths, n, keys)
    key_lengths = key_lengths.to(device)
    positions = torch.arange(keys, device=device)  # (L_k, )
    return positions[None, :] >= key_lengths[:, None]  # (N, L_k)


def _counts(key_lengths: Tensor, like: Tensor) -> Tensor:
    """The valid keys per batch row as divisors: (N, 1, 1) in ``like``'s
    dtype."""
    return key_lengths.to(like.device, like.dtype)[:, None, None]


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


def softmax_affinity(q: Tensor,
                     k: Tensor,
                     scale: float = 1.0,
                     key_lengths: Optional[Tensor] = None) -> Tensor:
    """The materialised ``softmax(q k^T * scale)`` (gaussian / embedded
    gaussian).

    Args:
        q (Tensor): (N, L, E) queries (theta).
        k (Tensor): (N, L_k, E) keys (phi).
        scale (float): Multiplier of the scores. Defaults to 1.0.
        key_lengths (Tensor, optional): (N,) int64, valid keys per batch
            row, in ``[1, L_k]``; the scores of keys ``j >= key_lengths[n]``
            are set to -inf. Defaults to None (all keys valid).

    Returns:
        Tensor: (N, L, L_k), each row sums to 1 (0 at padded keys).
    """
    scores = torch.matmul(q, k.transpose(1, 2))  # (N, L, L_k)
    if scale != 1.0:
        scores = scores * scale
    if key_lengths is not None:
        pad = _padding(key_lengths, k.shape[0], k.shape[1], k.device)
        scores = scores.masked_fill(pad[:, None, :], -math.inf)
    return scores.softmax(dim=-1)  # (N, L, L_k)


def dot_product_affinity(q: Tensor,
                         k: Tensor,
                         key_lengths: Optional[Tensor] = None) -> Tensor:
    """The materialised ``q k^T / L_k`` (dot product).

    Args:
        q (Tensor): (N, L, E) queries (theta).
        k (Tensor): (N, L_k, E) keys (phi).
        key_lengths (Tensor, optional): (N,) int64, valid keys per batch
            row, in ``[1, L_k]``: the columns of keys ``j >= key_lengths[n]``
            are 0 and row ``n`` is divided by ``key_lengths[n]``.
            Defaults to None (all keys valid).

    Returns:
        Tensor: (N, L, L_k).
    """
    if key_lengths is None:
        return torch.matmul(q, k.transpose(1, 2)) / k.shape[1]  # (N, L, L_k)
    pad = _padding(key_lengths, k.shape[0], k.shape[1], k.device)
    k = k.masked_fill(pad[:, :, None], 0.0)  # (N, L_k, E), padded keys 0
    return torch.matmul(q, k.transpose(1, 2)) / _counts(key_lengths, k)


def concatenation_affinity(a: Tensor,
                           b: Tensor,
                           key_lengths: Optional[Tensor] = None) -> Tensor:
    """The materialised ``ReLU(a_i + b_j) / L_k`` (concatenation).

    Args:
        a (Tensor): (N, L) query terms.
        b (Tensor): (N, L_k) key terms.
        key_lengths (Tensor, optional): (N,) int64, valid keys per batch
            row, in ``[1, L_k]``: the columns of keys ``j >= key_lengths[n]``
            are 0 and row ``n`` is divided by ``key_lengths[n]``.
            Defaults to None (all keys valid).

    Returns:
        Tensor: (N, L, L_k).
    """
    weights = F.relu(a[:, :, None] + b[:, None, :])  # (N, L, L_k)
    if key_lengths is None:
        return weights / b.shape[1]
    pad = _padding(key_lengths, b.shape[0], b.shape[1], b.device)
    weights = weights.masked_fill(pad[:, None, :], 0.0)
    return weights / _counts(key_lengths, weights)


def softmax_attention(q: Tensor,
                      k: Tensor,
                      v: Tensor,
                      scale: float = 1.0,
                      impl: str = 'auto',
                      chunk_size: Optional[int] = None,
                      key_lengths: Optional[Tensor] = None) -> Tensor:
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
            on the CPU when ``E_v != E`` and on other devices when
            ``key_lengths`` is given (``'chunked'``: torch's CUDA
            memory-efficient kernel, the one float32 takes, makes a
            broadcast mask contiguous, a dense ``(N, 1, L, L_k)`` bias;
            the CPU's flash kernel takes the mask as it is). Defaults to
            'auto'.
        chunk_size (int, optional): Query rows per chunk of the chunked path.
            Defaults to None (a 64 MiB score block).
        key_lengths (Tensor, optional): (N,) int64, valid keys per batch
            row, in ``[1, L_k]``; keys ``j >= key_lengths[n]`` get zero
            weight. Defaults to None (all keys valid).

    Returns:
        Tensor: (N, L, E_v), float32 for half-precision inputs.
    """
    _check_impl(impl, SOFTMAX_IMPLS, 'softmax_attention')
    impl = _export_impl(impl)
    q, k, v = _float32(q, k, v)
    n, length, _ = q.shape
    keys = k.shape[1]
    on_cpu = q.device.type == 'cpu'
    if impl == 'auto':
        if n * length * keys <= NAIVE_MAX_ELEMENTS:
            impl = 'naive'
        elif on_cpu and q.shape[-1] != v.shape[-1]:
            impl = 'chunked'  # the CPU's flash kernel: values as wide as keys
        elif on_cpu or key_lengths is None:
            impl = 'sdpa'
        else:  # CUDA's memory-efficient kernel: a dense (N, 1, L, L_k) mask
            impl = 'chunked'
    if impl == 'naive':
        affinity = softmax_affinity(q, k, scale, key_lengths)
        return torch.matmul(affinity, v)  # (N, L, E_v)
    if impl == 'sdpa':
        # (N, 1, L, E): one head, contiguous. torch's fused kernels (flash,
        # memory-efficient) take only 4-D inputs whose last dimension has
        # stride 1; given others SDPA silently runs its math kernel, which
        # materialises the affinity.
        q, k, v = (t.contiguous()[:, None] for t in (q, k, v))
        if key_lengths is None:
            return F.scaled_dot_product_attention(q, k, v, scale=scale)[:, 0]
        valid = ~_padding(key_lengths, n, keys, q.device)  # (N, L_k)
        return F.scaled_dot_product_attention(
            q, k, v, attn_mask=valid[:, None, None], scale=scale)[:, 0]
    chunk = chunk_rows(n, length, keys, chunk_size)
    q, k, v = q.contiguous(), k.contiguous(), v.contiguous()
    if key_lengths is None:
        return ChunkedSoftmaxAttention.apply(q, k, v, float(scale), chunk)
    _check_key_lengths(key_lengths, n, keys)
    return ChunkedSoftmaxAttention.apply(q, k, v, float(scale), chunk,
                                         key_lengths)


def dot_product_attention(q: Tensor,
                          k: Tensor,
                          v: Tensor,
                          impl: str = 'auto',
                          key_lengths: Optional[Tensor] = None) -> Tensor:
    """``y = (q k^T / L_k) v`` (dot product, normalised by ``L_k``).

    Args:
        q (Tensor): (N, L, E) queries (theta).
        k (Tensor): (N, L_k, E) keys (phi).
        v (Tensor): (N, L_k, E_v) values (g).
        impl (str): ``'naive'`` materialises the affinity, ``'linear'``
            computes ``q (k^T v) / L_k`` in ``O(L)`` time and memory.
            ``'auto'`` picks the one with fewer multiply-adds.
            Defaults to 'auto'.
        key_lengths (Tensor, optional): (N,) int64, valid keys per batch
            row, in ``[1, L_k]``: keys ``j >= key_lengths[n]`` are zeroed
            and row ``n`` is divided by ``key_lengths[n]`` instead of
            ``L_k``. Defaults to None (all keys valid).

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
        affinity = dot_product_affinity(q, k, key_lengths)
        return torch.matmul(affinity, v)  # (N, L, E_v)
    divisor = keys
    if key_lengths is not None:
        pad = _padding(key_lengths, k.shape[0], keys, k.device)  # (N, L_k)
        k = k.masked_fill(pad[:, :, None], 0.0)  # padded keys add nothing
        divisor = _counts(key_lengths, k)  # (N, 1, 1)
    context = torch.matmul(k.transpose(1, 2), v) / divisor  # (N, E, E_v)
    return torch.matmul(q, context)  # (N, L, E_v)


def concatenation_attention(a: Tensor,
                            b: Tensor,
                            v: Tensor,
                            impl: str = 'auto',
                            key_lengths: Optional[Tensor] = None) -> Tensor:
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
        key_lengths (Tensor, optional): (N,) int64, valid keys per batch
            row, in ``[1, L_k]``: keys ``j >= key_lengths[n]`` get zero
            weight and row ``n`` is divided by ``key_lengths[n]`` instead of
            ``L_k``. Defaults to None (all keys valid).

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
        affinity = concatenation_affinity(a, b, key_lengths)
        return torch.matmul(affinity, v)  # (N, L, E_v)
    divisor = keys
    if key_lengths is not None:
        # zero values make the padded keys' terms (a_i + b_j) v_j vanish
        # wherever they sort; b stays finite (-inf would give 0 * inf = NaN
        # in the cumsum's backward)
        pad = _padding(key_lengths, n, keys, v.device)  # (N, L_k)
        v = v.masked_fill(pad[:, :, None], 0.0)  # (N, L_k, E_v)
        divisor = _counts(key_lengths, v)  # (N, 1, 1)
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
    return (a[:, :, None] * sum_v + sum_bv) / divisor
