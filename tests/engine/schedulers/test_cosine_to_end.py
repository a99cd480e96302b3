# Copyright (c) nl1d contributors. All rights reserved.
"""CosineAnnealingToEndLR follows mmengine's CosineAnnealingLR with
T_max = the rest of training, read from the Runner's message hub."""
import pytest
import torch
from mmengine.logging import MessageHub
from mmengine.optim import CosineAnnealingLR, LinearLR

import nl1d  # noqa: F401
from nl1d.engine.schedulers import CosineAnnealingToEndLR


def _curve(cosine, epochs=7, epoch_length=5, **kwargs):
    param = torch.nn.Parameter(torch.zeros(1))
    optimizer = torch.optim.AdamW([param], lr=1e-3)
    warmup = LinearLR.build_iter_from_epoch(
        optimizer, start_factor=0.01, by_epoch=True, begin=0, end=1,
        epoch_length=epoch_length)
    scheduler = cosine.build_iter_from_epoch(
        optimizer, eta_min=0, by_epoch=True, begin=1,
        epoch_length=epoch_length, **kwargs)
    lrs = []
    for _ in range(epochs * epoch_length):
        lrs.append(optimizer.param_groups[0]['lr'])
        warmup.step()
        scheduler.step()
    return lrs, scheduler


def test_equals_cosine_with_the_right_t_max():
    hub = MessageHub.get_instance('test_cosine_to_end')
    hub.update_info('max_iters', 7 * 5)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(MessageHub, 'get_current_instance', lambda: hub)
        ours, scheduler = _curve(CosineAnnealingToEndLR)
    reference, _ = _curve(CosineAnnealingLR, T_max=6, end=7)
    assert ours == reference  # bit for bit
    assert scheduler.T_max == 6 * 5
    assert scheduler.state_dict()['T_max'] == 30  # resumes on the same curve
    assert ours[-1] < 0.01 * ours[5]  # decayed to ~0 at the last step


def test_without_a_runner_says_so():
    hub = MessageHub.get_instance('test_cosine_to_end_empty')
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(MessageHub, 'get_current_instance', lambda: hub)
        with pytest.raises(RuntimeError, match='give T_max'):
            _curve(CosineAnnealingToEndLR)
    # an explicit T_max needs no runner
    lrs, _ = _curve(CosineAnnealingToEndLR, T_max=6, end=7)
    assert lrs == _curve(CosineAnnealingLR, T_max=6, end=7)[0]
