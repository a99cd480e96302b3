# Copyright (c) nl1d contributors. All rights reserved.
"""The non-local block's GPU paths: exactness and memory on a CUDA device.

Skipped without CUDA (the suite's CPU runs cover the same paths on the
CPU). The reference is the naive formula in float64 on the CPU; TF32 is
switched off where a test compares against it, since cuBLAS and cuDNN may
otherwise round float32 matrix products and convolutions to 10-bit
mantissas.
"""
import pytest
import torch
import torch.nn.functional as F

from nl1d.models.layers import NonLocal1d
from nl1d.models.layers import nonlocal_attention
from nl1d.models.layers.nonlocal_attention import softmax_attention

pytestmark = [
    pytest.mark.cuda,
    pytest.mark.skipif(not torch.cuda.is_available(),
                       reason='needs a CUDA device')
]

MODES = ('gaussian', 'embedded_gaussian', 'dot_product', 'concatenation')
IMPLS = {
    'gaussian': ('naive', 'sdpa', 'chunked'),
    'embedded_gaussian': ('naive', 'sdpa', 'chunked'),
    'dot_product': ('naive', 'linear'),
    'concatenation': ('naive', 'sorted'),
}


@pytest.fixture
def no_tf32():
    """Full float32 matrix products and convolutions for the test."""
    matmul = torch.backends.cuda.matmul.allow_tf32
    cudnn = torch.backends.cudnn.allow_tf32
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    yield
    torch.backends.cuda.matmul.allow_tf32 = matmul
    torch.backends.cudnn.allow_tf32 = cudnn


@pytest.mark.parametrize('impl', ['naive', 'sdpa', 'chunked'])
@pytest.mark.parametrize('dtype',
                         [torch.float32, torch.float16, torch.bfloat16])
def test_softmax_paths_on_cuda_match_float64(no_tf32, impl, dtype):
    gen = torch.Generator().manual_seed(0)
    q, k, v = (torch.randn(2, 300, 16, generator=gen, dtype=torch.float64)
               for _ in range(3))
    k = k[:, :150]
    v = v[:, :150]
    expected = torch.softmax(q @ k.transpose(1, 2) * 0.25, -1) @ v
    inputs = [t.to('cuda', dtype).requires_grad_() for t in (q, k, v)]
    out = softmax_attention(*inputs, scale=0.25, impl=impl)
    # half-precision inputs are computed in float32 (see the module)
    assert out.dtype == torch.float32 and out.is_cuda
    # the inputs' own rounding dominates in half precision
    atol = 1e-5 if dtype == torch.float32 else 3e-2
    torch.testing.assert_close(out.double().cpu(), expected, atol=atol,
                               rtol=1e-3 if dtype == torch.float32 else 3e-2)
    out.sum().backward()
    assert all(t.grad is not None and torch.isfinite(t.grad).all()
               for t in inputs)


@pytest.mark.parametrize('dim_v', [32, 16])
def test_sdpa_path_runs_the_memory_efficient_kernel(no_tf32, dim_v):
    """The GPU's fused kernel for float32 (the paths compute in float32),
    on transposed (N, L, E) views as the block passes them, with values
    as wide as the keys (embedded gaussian) or narrower (gaussian)."""
    from torch.nn.attention import SDPBackend, sdpa_kernel
    torch.manual_seed(0)
    q = torch.randn(2, 32, 1000, device='cuda').transpose(1, 2)
    v = torch.randn(2, dim_v, 1000, device='cuda').transpose(1, 2)
    q.requires_grad_()
    with sdpa_kernel([SDPBackend.EFFICIENT_ATTENTION]):
        out = softmax_attention(q, q, v, scale=0.1, impl='sdpa')
        out.sum().backward()
    expected = torch.softmax(q @ q.transpose(1, 2) * 0.1, -1) @ v
    torch.testing.assert_close(out, expected, atol=1e-4, rtol=1e-4)
    assert torch.isfinite(q.grad).all()


def test_auto_takes_sdpa_on_cuda_for_long_sequences(monkeypatch):
    calls = []
    sdpa = F.scaled_dot_product_attention

    def spy(*args, **kwargs):
        calls.append(args[0].shape)
        return sdpa(*args, **kwargs)

    monkeypatch.setattr(nonlocal_attention.F, 'scaled_dot_product_attention',
                        spy)
    length = 4096  # 1 x 4096 x 4096 > NAIVE_MAX_ELEMENTS
    assert length * length > nonlocal_attention.NAIVE_MAX_ELEMENTS
    q = torch.randn(1, length, 8, device='cuda')
    softmax_attention(q, q, q, impl='auto')
    assert calls == [torch.Size([1, 1, length, 8])]  # (N, heads, L, E)
    calls.clear()
    short = torch.randn(1, 64, 8, device='cuda')
    softmax_attention(short, short, short, impl='auto')
    assert calls == []  # the naive path for a small affinity


@pytest.mark.parametrize('mode', MODES)
def test_block_on_cuda_matches_the_cpu(no_tf32, mode):
    """Every mode and path: the same block, forward and gradients, on the
    GPU as on the CPU (float32)."""
    torch.manual_seed(0)
    cpu_block = NonLocal1d(32, mode=mode, sub_sample=True,
                           norm_cfg=dict(type='BN1d'), zeros_init=False,
                           attn_impl='naive')
    x = torch.randn(2, 32, 200)
    cpu_x = x.clone().requires_grad_()
    expected = cpu_block(cpu_x)
    expected.square().sum().backward()
    for impl in IMPLS[mode]:
        block = NonLocal1d(32, mode=mode, sub_sample=True,
                           norm_cfg=dict(type='BN1d'), zeros_init=False,
                           attn_impl=impl).cuda()
        block.load_state_dict(cpu_block.state_dict())
        cuda_x = x.cuda().requires_grad_()
        out = block(cuda_x)
        out.square().sum().backward()
        torch.testing.assert_close(out.cpu(), expected, atol=1e-4,
                                   rtol=1e-4, msg=f'{mode}/{impl}')
        torch.testing.assert_close(cuda_x.grad.cpu(), cpu_x.grad, atol=1e-4,
                                   rtol=1e-4, msg=f'{mode}/{impl}')
        theirs = dict(cpu_block.named_parameters())
        for name, param in block.named_parameters():
            torch.testing.assert_close(param.grad.cpu(), theirs[name].grad,
                                       atol=1e-3, rtol=1e-3,
                                       msg=f'{mode}/{impl} {name}')


@pytest.mark.parametrize('mode', MODES)
def test_block_under_fp16_autocast_stays_finite(mode):
    """``tools/train.py --amp`` on a GPU: float16 autocast. The affinity and
    softmax run in float32, so a long sequence's scores neither
    overflow nor lose the block's output: it stays close to float32."""
    torch.manual_seed(0)
    block = NonLocal1d(64, mode=mode, zeros_init=False).cuda()
    x = (torch.randn(2, 64, 4096, device='cuda') * 8).requires_grad_()
    with torch.autocast('cuda', dtype=torch.float16):
        out = block(x)
    with torch.no_grad():
        reference = block(x)
    assert torch.isfinite(out).all()
    torch.testing.assert_close(out.float(), reference, atol=0.1, rtol=2e-2)
    out.float().sum().backward()
    assert torch.isfinite(x.grad).all()


@pytest.mark.parametrize('mode', MODES)
def test_long_signal_memory_is_linear_on_cuda(mode):
    """A block over 65,536 positions (11 minutes at 100 Hz) trains on a GPU
    in far less memory than one ``L x L`` float32 affinity (16 GiB)."""
    length, channels = 65536, 64
    block = NonLocal1d(channels, mode=mode, zeros_init=False).cuda()
    x = torch.randn(1, channels, length, device='cuda', requires_grad=True)
    torch.cuda.synchronize()
    before = torch.cuda.memory_allocated()
    torch.cuda.reset_peak_memory_stats()
    block(x).sum().backward()
    torch.cuda.synchronize()
    peak = torch.cuda.max_memory_allocated() - before
    affinity = length * length * 4
    assert peak < affinity / 16, f'{mode}: {peak / 2**30:.2f} GiB'
