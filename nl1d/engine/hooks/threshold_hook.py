# Copyright (c) nl1d contributors. All rights reserved.
"""Freeze the decision threshold chosen on validation into the checkpoint
and apply it, unchanged, at test."""
import copy
import logging
import math
from typing import Dict, Optional

from mmaction.registry import HOOKS
from mmengine.hooks import Hook
from mmengine.logging import print_log

from nl1d.evaluation.metrics.thresholds import (CHECKPOINT_KEY,
                                                describe_entry,
                                                stored_thresholds,
                                                threshold_metrics)

__all__ = [
    'ThresholdHook', 'CHECKPOINT_KEY', 'describe_entry', 'stored_thresholds',
    'threshold_metrics'
]

@HOOKS.register_module()
class ThresholdHook(Hook):
    """Store validation thresholds in checkpoints and apply them at test.

    After each validation the threshold every :class:`ThresholdMetric` of
    ``val_evaluator`` chose (``{prefix}/threshold``) is kept, with the rule
    and the epoch, and written into every checkpoint saved afterwards as
    ``checkpoint['meta']['thresholds'][prefix]`` (plain floats and strings:
    torch's weights-only loader reads them). The hook runs before
    ``CheckpointHook`` (priority NORMAL < VERY_LOW), so the best checkpoint
    carries the threshold chosen on the same validation as its weights.

    When a checkpoint is loaded (``tools/test.py``, ``load_from``,
    ``--resume``) the stored thresholds are read back; before testing each
    ``ThresholdMetric`` of ``test_evaluator`` with the same prefix gets its
    threshold, unchanged, and logs where it came from.

    A periodic checkpoint (``epoch_N.pth``) is saved at the end of training
    epoch N, *before* that epoch's validation, so it carries the threshold
    of the previous validation; the test log then warns that weights and
    threshold come from different epochs. Test the best checkpoint
    (``save_best``) to get the matching pair.

    Examples:
        >>> custom_hooks = [dict(type='ThresholdHook')]
    """
    priority = 'NORMAL'

    def __init__(self) -> None:
        self.thresholds: Dict[str, Dict] = {}
        self._checkpoint_epoch: Optional[int] = None
        self._checkpoint_path: Optional[str] = None

    def after_val_epoch(self,
                        runner,
                        metrics: Optional[Dict[str, float]] = None) -> None:
        """Keep the thresholds the validation metrics chose.

        Args:
            runner (Runner): The runner.
            metrics (dict, optional): The validation metrics, the same on
                every rank. Defaults to None.
        """
        if not metrics:
            return
        for metric in threshold_metrics(runner.val_evaluator):
            value = metrics.get(f'{metric.prefix}/threshold')
            if value is None or not math.isfinite(value):
                continue
            self.thresholds[metric.prefix] = dict(
                threshold=float(value),
                select=metric.select,
                target=metric.target,
                fixed=metric.fixed_threshold is not None,
                epoch=int(runner.epoch),
                iter=int(runner.iter))

    def before_save_checkpoint(self, runner, checkpoint: Dict) -> None:
        """Write the kept thresholds into ``checkpoint['meta']``.

        Args:
            runner (Runner): The runner.
            checkpoint (dict): The checkpoint about to be saved.
        """
        if self.thresholds:
            checkpoint.setdefault('meta', {})[CHECKPOINT_KEY] = \
                copy.deepcopy(self.thresholds)

    def after_load_checkpoint(self, runner, checkpoint: Dict) -> None:
        """Read the thresholds back from a loaded checkpoint.

        Args:
            runner (Runner): The runner.
            checkpoint (dict): The loaded checkpoint.
        """
        meta = checkpoint.get('meta') or {}
        stored = stored_thresholds(meta)
        self._checkpoint_epoch = meta.get('epoch')
        # Which file was loaded, for the log: mmengine 0.10.7's Runner keeps
        # it only in the private `_load_from` (runner.cfg is empty for a
        # Runner built without a config), and the hook call does not pass it.
        self._checkpoint_path = getattr(runner, '_load_from', None)
        if stored:
            self.thresholds = copy.deepcopy(stored)

    def before_test(self, runner) -> None:
        """Give each test ``ThresholdMetric`` its frozen threshold.

        A checkpoint without any threshold is a multi-class model (its
        metrics take the top class and need none) or one trained without a
        validation ``ThresholdMetric``; a binary test metric then says
        itself where its threshold comes from (or, frozen, that it has
        none). Only thresholds stored under other prefixes point at a
        mismatch, which is logged.

        Args:
            runner (Runner): The runner.
        """
        for metric in threshold_metrics(runner.test_evaluator):
            entry = self.thresholds.get(metric.prefix)
            if entry is None:
                if self.thresholds and metric.fixed_threshold is None:
                    print_log(
                        f'ThresholdHook: the checkpoint holds thresholds for '
                        f'{sorted(self.thresholds)} but none for the test '
                        f'ThresholdMetric `{metric.prefix}`: give the val '
                        'and test ThresholdMetric the same prefix.',
                        logger='current',
                        level=logging.WARNING)
                continue
            source = describe_entry(entry, self._checkpoint_path)
            if (self._checkpoint_epoch is not None and not entry.get('fixed')
                    and entry['epoch'] != self._checkpoint_epoch):
                source += (
                    f' -- WARNING: the weights are of epoch '
                    f'{self._checkpoint_epoch}; a periodic checkpoint is '
                    'saved before its epoch\'s validation. Test the best '
                    'checkpoint for a matching threshold')
                print_log(f'ThresholdHook: {source}', logger='current',
                          level=logging.WARNING)
            metric.set_threshold(entry['threshold'], source)
