# Copyright (c) nl1d contributors. All rights reserved.
"""Save and restore the random number generators with each checkpoint."""
import random
from typing import Any, Dict, List, Optional

import numpy as np
import torch
from mmengine.dist import all_gather_object, get_dist_info, is_distributed
from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.runner import EpochBasedTrainLoop

from mmaction.registry import HOOKS

#: The checkpoint key the states are stored under.
CHECKPOINT_KEY = 'rng_state'


def get_rng_state() -> Dict[str, Any]:
    """The state of torch's, numpy's and Python's global generators.

    Only tensors and plain Python values, so that the state loads with
    ``torch.load(weights_only=True)`` and no allow-list entry.

    Returns:
        dict: ``torch`` (uint8 Tensor), ``numpy`` (dict: ``keys`` int64
        Tensor (624,), ``pos``, ``has_gauss``, ``cached_gaussian``),
        ``python`` (list), ``cuda`` (list of uint8 Tensors, one per device).
    """
    _, keys, pos, has_gauss, cached_gaussian = np.random.get_state()
    version, internal, gauss_next = random.getstate()
    return dict(
        torch=torch.get_rng_state(),
        numpy=dict(
            keys=torch.from_numpy(keys.astype(np.int64)),
            pos=int(pos),
            has_gauss=int(has_gauss),
            cached_gaussian=float(cached_gaussian)),
        python=[version, list(internal), gauss_next],
        cuda=torch.cuda.get_rng_state_all()
        if torch.cuda.is_available() else [])


def set_rng_state(state: Dict[str, Any]) -> None:
    """Restore generators from :func:`get_rng_state`'s output.

    Args:
        state (dict): As returned by :func:`get_rng_state`.
    """
    torch.set_rng_state(state['torch'].cpu())
    np_state = state['numpy']
    np.random.set_state(
        ('MT19937', np_state['keys'].numpy().astype(np.uint32),
         np_state['pos'], np_state['has_gauss'], np_state['cached_gaussian']))
    version, internal, gauss_next = state['python']
    random.setstate((version, tuple(internal), gauss_next))
    if state['cuda'] and torch.cuda.is_available():
        torch.cuda.set_rng_state_all([s.cpu() for s in state['cuda']])


@HOOKS.register_module()
class RNGStateHook(Hook):
    """Make a resumed run draw the same random numbers as an uninterrupted
    one.

    mmengine 0.10.7 saves the seed in a checkpoint and, on resume, seeds the
    generators again from it, so a run resumed at epoch ``k`` replays the
    random numbers of epoch 0 (dropout masks, random windows drawn in the
    main process) instead of those of epoch ``k``: weights diverge from an
    uninterrupted run. This hook

    * takes the generator states of every rank at the end of each training
      epoch (priority ``LOW``: before ``CheckpointHook``, ``VERY_LOW``) and
      stores them in the checkpoint under ``'rng_state'`` (tensors and plain
      values only: weights-only loadable);
    * restores this rank's states in ``before_train``, after the Runner has
      resumed, so the next epoch starts from exactly the states it would
      have had;
    * makes validation RNG-neutral: the states are taken in ``before_val``
      and put back in ``after_val``, so validating (which does not happen
      again on resume) does not shift the training stream.

    Bit-identical resume holds for ``EpochBasedTrainLoop`` with data loading
    in the main process (``num_workers=0``) or non-persistent workers (which
    are re-seeded every epoch); persistent workers keep generator states
    this hook cannot reach, and a warning says so.

    Args:
        None.

    Examples:
        >>> custom_hooks = [dict(type='RNGStateHook')]
    """

    priority = 'LOW'

    def __init__(self) -> None:
        self._epoch_end_states: Optional[List[Dict[str, Any]]] = None
        self._resumed_states: Optional[List[Dict[str, Any]]] = None
        self._val_state: Optional[Dict[str, Any]] = None

    def before_train(self, runner) -> None:
        """Restore the resumed states (if any) and warn about what cannot be
        restored."""
        if not isinstance(runner.train_loop, EpochBasedTrainLoop):
            print_log(
                'RNGStateHook: resume restores generator states at epoch '
                'ends only; with an iteration-based loop a resumed run is not '
                'bit-identical to an uninterrupted one.',
                logger='current',
                level='WARNING')
        loader_cfg = runner.cfg.get('train_dataloader') or {}
        if loader_cfg.get('num_workers', 0) > 0 and loader_cfg.get(
                'persistent_workers', False):
            print_log(
                'RNGStateHook: train_dataloader.persistent_workers=True keeps '
                'random states inside the worker processes, which a '
                'checkpoint cannot hold: a resumed run will draw different '
                'random windows. Set persistent_workers=False (or '
                'num_workers=0) for bit-identical resumes.',
                logger='current',
                level='WARNING')
        if self._resumed_states is None:
            return
        rank, world_size = get_dist_info()
        states = self._resumed_states
        if len(states) != world_size:
            print_log(
                f'RNGStateHook: the checkpoint holds generator states of '
                f'{len(states)} process(es), this run has {world_size}; '
                'keeping the freshly seeded generators.',
                logger='current',
                level='WARNING')
        else:
            set_rng_state(states[rank])
        self._resumed_states = None

    def after_train_epoch(self, runner) -> None:
        """Take the states of every rank (before the checkpoint is saved)."""
        state = get_rng_state()
        self._epoch_end_states = all_gather_object(state) \
            if is_distributed() else [state]

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        """Store the states of the last epoch end in ``checkpoint``."""
        if self._epoch_end_states is not None:
            checkpoint[CHECKPOINT_KEY] = self._epoch_end_states

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        """Keep the states of a resumed checkpoint for ``before_train``."""
        # Resume (restore the streams) or load_from (fine-tune: keep the new
        # seed's streams)? mmengine 0.10.7 calls this hook for both and says
        # which only in the Runner's private `_resume` (no public attribute;
        # runner.cfg is empty for a Runner built without a config).
        if runner._resume and CHECKPOINT_KEY in checkpoint:
            self._resumed_states = checkpoint[CHECKPOINT_KEY]

    def before_val(self, runner) -> None:
        """Take the training states before validation draws anything."""
        self._val_state = get_rng_state()

    def after_val(self, runner) -> None:
        """Put the training states back after validation."""
        if self._val_state is not None:
            set_rng_state(self._val_state)
            self._val_state = None
