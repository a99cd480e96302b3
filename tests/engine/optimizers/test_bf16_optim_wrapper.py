# Copyright (c) nl1d contributors. All rights reserved.
"""BF16OptimWrapper: bfloat16 autocast on CPU, float32 weights, and what
tools/train.py --amp picks without a GPU."""
import argparse

import pytest
import torch
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper
from mmengine.registry import init_default_scope

import nl1d  # noqa: F401
from nl1d.engine.optimizers import BF16OptimWrapper
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


@pytest.mark.skipif(torch.cuda.is_available(), reason='CPU behaviour')
def test_amp_flag_picks_bf16_without_gpu():
    import importlib.util
    spec = importlib.util.spec_from_file_location(
        'train_tool', f'{REPO}/tools/train.py')
    train = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(train)
    cfg = Config.fromfile(
        f'{REPO}/configs/nl1d/cinc2017/nl_r18_res5_1xb32-40e_cinc2017-af.py')
    args = argparse.Namespace(
        no_validate=False, launcher='none', work_dir='w', amp=True,
        resume=None, auto_scale_lr=False, seed=0, diff_rank_seed=False,
        deterministic=False, cfg_options=None, config='x.py')
    cfg = train.merge_args(cfg, args)
    assert cfg.optim_wrapper.type == 'BF16OptimWrapper'
    assert 'loss_scale' not in cfg.optim_wrapper
    cfg.optim_wrapper.type = 'SomethingElse'
    with pytest.raises(ValueError, match='--amp'):
        train.merge_args(cfg, args)
