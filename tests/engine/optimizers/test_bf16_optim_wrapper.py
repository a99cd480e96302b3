# Copyright (c) nl1d contributors. All rights reserved.
"""BF16OptimWrapper: bfloat16 autocast on CPU, float32 weights, and what
tools/train.py --amp picks without a GPU (bfloat16 only where the CPU has
it natively; nl1d.engine.merge_train_args)."""
import argparse

import pytest
import torch
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper
from mmengine.registry import init_default_scope

import nl1d  # noqa: F401
from nl1d.engine import merge_train_args
from nl1d.engine.optimizers import BF16OptimWrapper, set_mixed_precision
from nl1d.engine.optimizers import bf16_optim_wrapper
from nl1d.models.backbones import ResNet1d
from tests.tools.tiny_signal_utils import REPO


def test_forward_in_bfloat16_weights_in_float32():
    init_default_scope('mmaction')
    model = torch.nn.Sequential(
        ResNet1d(18, base_channels=8), torch.nn.AdaptiveAvgPool1d(1))
    wrapper = build_optim_wrapper(
        model,
        dict(type='BF16OptimWrapper',
             optimizer=dict(type='AdamW', lr=1e-3)))
    assert isinstance(wrapper, BF16OptimWrapper)
    seen = []
    model[0].conv1.register_forward_hook(
        lambda m, args, out: seen.append(out.dtype))
    before = model[0].conv1.weight.detach().clone()
    with wrapper.optim_context(model):
        loss = model(torch.randn(4, 1, 256)).float().mean()
    wrapper.update_params(loss)
    assert seen == [torch.bfloat16]  # convolutions ran in bfloat16
    assert model[0].conv1.weight.dtype == torch.float32
    assert model[0].conv1.weight.grad is None  # zeroed after the step
    assert not torch.equal(model[0].conv1.weight, before)  # updated
    # outside the context: float32 again
    assert model(torch.randn(1, 1, 64)).dtype == torch.float32


def _args(**kwargs) -> argparse.Namespace:
    args = dict(
        no_validate=False, launcher='none', work_dir='w', amp=True,
        resume=None, auto_scale_lr=False, seed=0, diff_rank_seed=False,
        deterministic=False, cfg_options=None, config='x.py')
    args.update(kwargs)
    return argparse.Namespace(**args)


CONFIG = f'{REPO}/configs/nl1d/nl_r18_res5_8xb32_signal.py'


@pytest.mark.skipif(torch.cuda.is_available(), reason='CPU behaviour')
def test_amp_flag_picks_bf16_on_a_cpu_with_native_bf16(monkeypatch):
    monkeypatch.setattr(bf16_optim_wrapper, 'cpu_has_native_bf16',
                        lambda: True)
    args = _args()
    cfg = merge_train_args(Config.fromfile(CONFIG), args)
    assert cfg.optim_wrapper.type == 'BF16OptimWrapper'
    assert 'loss_scale' not in cfg.optim_wrapper
    cfg.optim_wrapper.type = 'SomethingElse'
    with pytest.raises(ValueError, match='--amp'):
        merge_train_args(cfg, args)


@pytest.mark.skipif(torch.cuda.is_available(), reason='CPU behaviour')
def test_amp_flag_stays_float32_where_bf16_is_emulated(monkeypatch):
    monkeypatch.setattr(bf16_optim_wrapper, 'cpu_has_native_bf16',
                        lambda: False)
    warned = []
    monkeypatch.setattr(
        bf16_optim_wrapper, 'print_log',
        lambda msg, **kwargs: warned.append((msg, kwargs['level'])))
    cfg = merge_train_args(Config.fromfile(CONFIG), _args())
    assert cfg.optim_wrapper.get('type', 'OptimWrapper') == 'OptimWrapper'
    assert len(warned) == 1 and warned[0][1] == 30  # logging.WARNING
    assert 'float32' in warned[0][0]
    assert 'optim_wrapper.type=BF16OptimWrapper' in warned[0][0]
    # what the warning offers: --cfg-options names the wrapper, --amp keeps
    # it, silently
    warned.clear()
    cfg = merge_train_args(
        Config.fromfile(CONFIG),
        _args(cfg_options=dict({'optim_wrapper.type': 'BF16OptimWrapper'})))
    assert cfg.optim_wrapper.type == 'BF16OptimWrapper'
    assert warned == []


def test_cpu_has_native_bf16_reads_torch_capabilities(monkeypatch):
    for avx512_bf16, amx, expected in [(False, False, False),
                                       (True, False, True),
                                       (False, True, True)]:
        monkeypatch.setattr(torch.cpu, '_is_avx512_bf16_supported',
                            lambda v=avx512_bf16: v)
        monkeypatch.setattr(torch.cpu, '_is_amx_tile_supported',
                            lambda v=amx: v)
        assert bf16_optim_wrapper.cpu_has_native_bf16() is expected
    assert set_mixed_precision(dict(type='BF16OptimWrapper'))['type'] in (
        'BF16OptimWrapper', 'AmpOptimWrapper')
