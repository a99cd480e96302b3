# Copyright (c) nl1d contributors. All rights reserved.
"""Reading a checkpoint as data, so that it cannot run code.

:func:`safe_load` is the one place nl1d reads a checkpoint: it runs torch's
weights-only unpickler from a private module whose allow-list is torch's
defaults plus the inert stand-ins of :mod:`nl1d.checkpoint.records` for
mmengine's ``HistoryBuffer`` and numpy's arrays, which check what they are
given and call nothing (:mod:`nl1d.checkpoint.private_unpickler` says why
this is not ``torch.serialization.safe_globals``). Environment variables
cannot turn it off. A checkpoint that needs anything else is refused with
:class:`UnsafeCheckpointError`, naming the refused global or call, before
any of it runs; config strings a checkpoint carries are dropped
(:func:`drop_config_strings`).

Paths and URLs (``torchvision://``, ``https://``...) are routed to it by
:mod:`nl1d.checkpoint.schemes`, which also points every mmengine loader at
it (:func:`~nl1d.checkpoint.schemes.install_safe_checkpoint_loaders`).
"""
import logging
import os
import pickle
import re
from typing import Any, Callable, Dict, List, Optional, Union

import torch
from mmengine.logging import print_log

from .private_unpickler import (ClaimedSizeError, size_limit,
                                weights_only_module)
from .records import SUBSTITUTES, Refusal, materialize

MapLocation = Union[str, torch.device, Callable, Dict, None]


class UnsafeCheckpointError(pickle.UnpicklingError):
    """A checkpoint that needs something nl1d does not load.

    Raised before anything from the checkpoint runs; the message names the
    refused global or call (or the refused URL scheme).
    """


def _refusal_message(name: str, detail: str) -> str:
    return (
        f'Refusing to load checkpoint {name!r}: {detail}. Nothing from it '
        'was executed. nl1d reads checkpoints with torch.load('
        'weights_only=True): tensors, plain Python values and mmengine\'s own '
        'HistoryBuffer / numpy records. If you trust its author, ask for a '
        'weights-only export (`{"state_dict": model.state_dict()}`). Do not '
        'get past this with torch.serialization.add_safe_globals: a function '
        'such as getattr on that list lets a checkpoint call anything.')


#: Where mmengine keeps a run's config as Python source, which its
#: ``Runner.resume`` and inferencers evaluate (``Config.fromstring``).
CONFIG_STRING_KEYS = (('meta', 'cfg'), ('meta', 'config'),
                      ('message_hub', 'runtime_info', 'cfg'))


def drop_config_strings(checkpoint: Any, name: str) -> List[str]:
    """Remove the config strings a checkpoint carries (in place).

    mmengine evaluates them as Python (``Runner.resume`` the
    ``meta['config']``, ``BaseInferencer`` the ``message_hub``'s
    ``runtime_info['cfg']`` or ``meta['cfg']``), so a checkpoint made only
    of plain values could run code. nl1d takes a run's config from the
    user's config file only; one warning line names what was dropped.

    Args:
        checkpoint (Any): A loaded checkpoint.
        name (str): How to name it in the warning.

    Returns:
        list[str]: The key paths removed, e.g. ``["meta['cfg']"]``.
    """
    dropped = []
    for keys in CONFIG_STRING_KEYS:
        parent = checkpoint
        for key in keys[:-1]:
            parent = parent.get(key) if isinstance(parent, dict) else None
        if isinstance(parent, dict) and keys[-1] in parent:
            del parent[keys[-1]]
            dropped.append(''.join(f'[{k!r}]' for k in keys))
    if dropped:
        print_log(
            f'nl1d: dropped the config text stored in checkpoint {name!r} '
            f'({", ".join(dropped)}): a checkpoint is data, and mmengine '
            'would run that text as Python; the config comes from your '
            'config file.',
            logger='current',
            level=logging.WARNING)
    return dropped


def _weights_only_module():
    return weights_only_module(SUBSTITUTES, key='nl1d.checkpoint')


def safe_load(f: Any,
              map_location: MapLocation = 'cpu',
              name: Optional[str] = None,
              mmap: bool = False) -> Any:
    """Read a checkpoint as data: tensors, plain values and mmengine's
    ``HistoryBuffer`` / numpy records, with nothing in it run or evaluated.

    The pickle is read by torch's own weights-only unpickler, executed into
    a private module whose allow-list is torch's defaults plus the inert
    stand-ins of :mod:`nl1d.checkpoint.records`
    (:mod:`nl1d.checkpoint.private_unpickler`): what other code put on torch's
    process-wide allow-list does not count, nothing of torch's state is
    changed, and loads in several threads do not see each other. Storage
    records may claim no more bytes than the file holds; the records are
    then materialised with a memo and limits on nesting and size. Config
    strings (``meta['cfg']``, ``meta['config']``, the message hub's
    ``runtime_info['cfg']``) are dropped with a warning
    (:func:`drop_config_strings`).

    Args:
        f (str | file-like): A path or a binary file object.
        map_location (str | torch.device | callable | dict, optional): As for
            :func:`torch.load`. Defaults to ``'cpu'``.
        name (str, optional): How to name the checkpoint in errors. Defaults
            to ``f`` when it is a path.
        mmap (bool): Memory-map the tensors instead of reading them (paths to
            zip-format checkpoints only). Defaults to False.

    Returns:
        Any: The checkpoint: containers, tensors, plain values, and
        ``HistoryBuffer`` objects / numpy arrays rebuilt from their records
        (:func:`nl1d.checkpoint.records.materialize`).

    Raises:
        UnsafeCheckpointError: The pickle refers to a global outside torch's
            default allow-list and nl1d's stand-ins, gives a stand-in
            something mmengine never writes, or claims more than it holds;
            nothing from it was run.
    """
    name = name or (str(f) if isinstance(f, (str, os.PathLike)) else
                    '<buffer>')
    try:
        with size_limit(_file_size(f)):
            checkpoint = torch.load(
                f, map_location=map_location, mmap=mmap, **_unpickler())
        checkpoint = materialize(checkpoint)
    except (Refusal, ClaimedSizeError) as e:
        raise UnsafeCheckpointError(_refusal_message(name, str(e))) from None
    except pickle.UnpicklingError as e:
        found = re.search(
            r'(?:Unsupported global|unsupported GLOBAL|Trying to load '
            r'unsupported GLOBAL|Trying to call reduce|Can only (?:create|'
            r'build|append|extend)|Unsupported operand|Only persistent_load)'
            r'[^\n]*', str(e))
        detail = found.group(0) if found else str(e).splitlines()[0]
        raise UnsafeCheckpointError(_refusal_message(
            name, f'torch\'s weights-only unpickler refused it ({detail})')) \
            from None
    drop_config_strings(checkpoint, name)
    return checkpoint


def _unpickler() -> Dict[str, Any]:
    """``torch.load`` arguments selecting the private weights-only
    unpickler; torch's own (stricter: no stand-ins) where
    ``TORCH_FORCE_WEIGHTS_ONLY_LOAD`` forbids any other."""
    if os.getenv('TORCH_FORCE_WEIGHTS_ONLY_LOAD', '0').lower() in (
            '1', 'y', 'yes', 'true'):
        return dict(weights_only=True)
    # weights_only=False only means "not torch's module": the module given
    # is torch's weights-only unpickler with nl1d's private allow-list.
    return dict(weights_only=False, pickle_module=_weights_only_module())


def _file_size(f: Any) -> Optional[int]:
    """Size in bytes of a path or a seekable file object (None if
    unknown)."""
    if isinstance(f, (str, os.PathLike)):
        return os.path.getsize(f)
    try:
        position = f.tell()
        size = f.seek(0, os.SEEK_END)
        f.seek(position)
        return size
    except (AttributeError, OSError, ValueError):
        return None
