# Copyright (c) nl1d contributors. All rights reserved.
"""Cosine annealing that ends when training ends."""
from typing import Optional

from mmengine.logging import MessageHub
from mmengine.optim import CosineAnnealingLR
from mmengine.optim.scheduler.param_scheduler import INF

from mmaction.registry import PARAM_SCHEDULERS


@PARAM_SCHEDULERS.register_module()
class CosineAnnealingToEndLR(CosineAnnealingLR):
    """mmengine's ``CosineAnnealingLR`` whose half period, ``T_max``, runs
    from ``begin`` to the last step of training, whatever its length.

    With mmengine's scheduler a config that changes
    ``train_cfg.max_epochs`` must restate ``T_max`` and ``end`` too, or the
    learning rate is cut off mid-way (or rises again). Here ``T_max=None``
    (the default) is read from the Runner at the first step that needs it
    (``max_iters`` for a per-iteration schedule, ``max_epochs`` for a
    per-epoch one, from the message hub, minus ``begin``), so a schedule
    base states it once and experiments set only ``max_epochs`` (or
    ``--cfg-options train_cfg.max_epochs=N``). It is then stored in the
    scheduler's state, so ``--resume`` continues the same curve.

    Args:
        optimizer (Optimizer | BaseOptimWrapper): The wrapped optimizer.
        T_max (int, optional): Half period in steps; None for "to the end
            of training". Defaults to None.
        eta_min (float, optional): Final learning rate. Defaults to None
            (0, unless ``eta_min_ratio`` is given).
        begin (int): First step of the schedule. Defaults to 0.
        end (int): Last step (exclusive). Defaults to ``INF``.
        **kwargs: Other ``CosineAnnealingLR`` arguments (``by_epoch``,
            ``last_step``, ``verbose``, ``eta_min_ratio``).

    Examples:
        >>> param_scheduler = [
        ...     dict(type='LinearLR', start_factor=0.01, by_epoch=False,
        ...          begin=0, end=100),
        ...     dict(type='CosineAnnealingToEndLR', by_epoch=False,
        ...          begin=100)]
    """

    def __init__(self,
                 optimizer,
                 T_max: Optional[int] = None,
                 eta_min: Optional[float] = None,
                 begin: int = 0,
                 end: int = INF,
                 **kwargs) -> None:
        to_end = T_max is None and end == INF
        super().__init__(
            optimizer, T_max=T_max, eta_min=eta_min, begin=begin, end=end,
            **kwargs)
        if to_end:
            self.T_max = None

    def _get_value(self) -> list:
        if self.T_max is None and self.last_step > 0:
            key = 'max_epochs' if self.by_epoch else 'max_iters'
            total = MessageHub.get_current_instance().get_info(key)
            if total is None:
                raise RuntimeError(
                    'CosineAnnealingToEndLR(T_max=None) reads the length of '
                    f'training ({key}) from the Runner\'s message hub, which '
                    'does not hold it here: give T_max when stepping the '
                    'scheduler outside mmengine\'s Runner.')
            self.T_max = max(int(total) - self.begin, 1)
        return super()._get_value()
