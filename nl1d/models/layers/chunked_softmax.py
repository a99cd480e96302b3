# Copyright (c) nl1d contributors. All rights reserved.
"""Exact softmax attention in query chunks, with the probabilities
recomputed in backward: the CPU path of the ``gaussian`` and
``embedded_gaussian`` non-local modes on long signals (see
:func:`nl1d.models.layers.nonlocal_attention.softmax_attention`).

Peak memory beyond inputs and outputs is a few ``N x chunk x L_k`` blocks,
independent of the sequence length ``L``; the result equals the naive
``softmax(q k^T * scale) v`` up to float rounding, forward and gradients,
with or without key padding (``key_lengths``: the keys ``j >= key_lengths[n]``
of batch row ``n`` get zero weight).
"""
import math
from typing import List, Optional, Tuple

import torch
import torch.nn.functional as F
from torch import Tensor

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


def chunk_rows(n: int, length: int, keys: int,
               chunk_size: Optional[int]) -> int:
    """Query rows per chunk: ``chunk_size`` when given, else as many as fill
    a :data:`CHUNK_ELEMENTS` score block.

    Args:
        n (int): Batch size N.
        length (int): Query positions L.
        keys (int): Key positions L_k.
        chunk_size (int, optional): Rows asked for.

    Returns:
        int: Rows per chunk, in ``[1, L]``.
    """
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


def _valid_aminmax(scores: Tensor,
                   lengths: List[int]) -> Tuple[Tensor, Tensor]:
    """The (min, max) of each row of a (N, c, L_k) score block over its
    valid keys (the first ``lengths[n]`` of batch row ``n``): (N, c, 1)
    each."""
    lows, highs = zip(*(torch.aminmax(row[:, :valid], dim=-1, keepdim=True)
                        for row, valid in zip(scores, lengths)))
    return torch.stack(lows), torch.stack(highs)


def _exp_(scores: Tensor, lengths: Optional[List[int]]) -> None:
    """``exp`` of a (N, c, L_k) score block in place; with ``lengths``, of
    each batch row's valid keys only, the padded ones set to 0 (zero weight;
    ``exp(-inf)`` would run about 3x slower than ``exp`` of a normal
    argument with torch's vectorised exp on x86)."""
    if lengths is None:
        scores.exp_()
        return
    for row, valid in zip(scores, lengths):  # row: (c, L_k)
        row[:, :valid].exp_()
        row[:, valid:] = 0.0


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

    Key padding (``key_lengths``) gives the padded keys probability 0 in
    each block, forward and in backward's recomputation (``exp`` runs over
    the valid keys only, the padded entries are set to 0), hence exactly
    zero gradients; the row maxima, the log-sum-exp and the
    :data:`EXP_FLOOR` test see the valid keys only. Padded keys and values
    must be finite (0 times them must be 0).

    Inputs:
        q (Tensor): (N, L, E) queries.
        k (Tensor): (N, L_k, E) keys.
        v (Tensor): (N, L_k, E_v) values.
        scale (float): Multiplier of the scores.
        chunk (int): Query rows per chunk.
        key_lengths (Tensor, optional): (N,) integer, valid keys per batch
            row, in ``[1, L_k]``; keys ``0 .. key_lengths[n] - 1`` are
            valid. None (or omitted): all keys valid.

    Returns:
        Tensor: (N, L, E_v).
    """

    @staticmethod
    def forward(ctx,
                q: Tensor,
                k: Tensor,
                v: Tensor,
                scale: float,
                chunk: int,
                key_lengths: Optional[Tensor] = None) -> Tensor:
        n, length, _ = q.shape
        keys = k.shape[1]
        lengths = None  # valid keys per batch row, None when all are
        if key_lengths is not None and int(key_lengths.min()) < keys:
            lengths = key_lengths.tolist()
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
            if lengths is None:
                row_min, row_max = torch.aminmax(scores, dim=-1, keepdim=True)
            else:  # over the valid keys; the padded ones get exp = 0
                row_min, row_max = _valid_aminmax(scores, lengths)
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
            _exp_(scores, lengths)  # unnormalised probabilities
            denom = scores.sum(dim=-1, keepdim=True)  # (N, c, 1)
            _bmm_into(out[:, start:stop], scores, v).div_(denom)  # (N,c,E_v)
            log_denom = denom.log()
            lse[:, start:stop] = (log_denom if shift is None else shift +
                                  log_denom).squeeze(-1)
        ctx.save_for_backward(q_scaled, k, v, out, lse)
        ctx.scale, ctx.chunk, ctx.unshifted = scale, chunk, unshifted
        ctx.clamp, ctx.lengths = clamp, lengths
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
            _exp_(probs, ctx.lengths)  # padded keys: probability 0
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
        return grad_q, grad_k, grad_v, None, None, None
