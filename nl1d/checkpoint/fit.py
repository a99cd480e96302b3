# Copyright (c) nl1d contributors. All rights reserved.
"""Checking that a checkpoint's weights fit the model built from a config.

:func:`check_state_dict` lists missing, unexpected and shape-mismatched
keys; :func:`check_checkpoint_fits` reads a checkpoint (safely,
memory-mapped) and checks it, so ``tools/test.py`` stops on a checkpoint of
another architecture instead of evaluating random weights.
"""
import os.path as osp
import re
import zipfile
from typing import Dict, List

import torch
from torch import nn

from .load import safe_load


class CheckpointMismatchError(RuntimeError):
    """A checkpoint whose weights do not fit the model built from a config."""


def _format_keys(kind: str, keys: List[str], limit: int = 50) -> str:
    shown = ', '.join(keys[:limit])
    more = f' ... and {len(keys) - limit} more' if len(keys) > limit else ''
    return f'  {len(keys)} {kind}: {shown}{more}'


def check_state_dict(model: nn.Module,
                     state_dict: Dict[str, torch.Tensor],
                     source: str = 'the checkpoint') -> None:
    """Raise unless ``state_dict`` fits ``model`` key for key, shape for
    shape.

    A leading ``module.`` (from a DDP-wrapped model) is ignored, like
    mmengine's loader does; BN ``num_batches_tracked`` counters are not
    required.

    Args:
        model (nn.Module): The model built from the config (unwrapped).
        state_dict (dict[str, Tensor]): The weights to check.
        source (str): How to name the weights in the error. Defaults to
            ``'the checkpoint'``.

    Raises:
        CheckpointMismatchError: Listing the missing keys, the unexpected keys
            and the keys whose shapes differ.
    """
    given = {re.sub(r'^module\.', '', k): v for k, v in state_dict.items()}
    expected = model.state_dict()
    missing = [
        k for k in expected
        if k not in given and not k.endswith('num_batches_tracked')
    ]
    unexpected = [k for k in given if k not in expected]
    shapes = [
        f'{k} (checkpoint {tuple(given[k].shape)} vs model '
        f'{tuple(expected[k].shape)})' for k in expected
        if k in given and hasattr(given[k], 'shape')
        and tuple(given[k].shape) != tuple(expected[k].shape)
    ]
    if not (missing or unexpected or shapes):
        return
    lines = [
        f'{source} does not fit the model built from the config (a '
        'checkpoint of another architecture, depth or number of classes?):'
    ]
    if missing:
        lines.append(_format_keys('missing keys', missing))
    if unexpected:
        lines.append(_format_keys('unexpected keys', unexpected))
    if shapes:
        lines.append(_format_keys('shape mismatches', shapes))
    lines.append('Use the config the checkpoint was trained with, or load '
                 'it with `load_from` for fine-tuning, which keeps what fits.')
    raise CheckpointMismatchError('\n'.join(lines))


def check_checkpoint_fits(model: nn.Module, filename: str) -> None:
    """Load ``filename`` weights-only (memory-mapped) and check it fits.

    Args:
        model (nn.Module): The model built from the config (unwrapped).
        filename (str): A local checkpoint path.

    Raises:
        UnsafeCheckpointError: See :func:`safe_load`.
        CheckpointMismatchError: See :func:`check_state_dict`.
    """
    if not osp.isfile(filename):
        raise FileNotFoundError(f'Checkpoint {filename!r} can not be found.')
    checkpoint = safe_load(
        filename, map_location='cpu', mmap=zipfile.is_zipfile(filename))
    state_dict = checkpoint.get('state_dict', checkpoint) \
        if isinstance(checkpoint, dict) else checkpoint
    if not isinstance(state_dict, dict):
        raise CheckpointMismatchError(
            f'Checkpoint {filename!r} holds a {type(state_dict).__name__}, '
            'not a state dict (or a dict with a "state_dict" entry).')
    check_state_dict(model, state_dict, source=f'Checkpoint {filename!r}')
