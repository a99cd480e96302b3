# Copyright (c) nl1d contributors. All rights reserved.
"""Checkpoints that cannot run code, cannot be left half-written, and say
clearly when they do not fit the model.

* Loading: :func:`safe_load` always calls ``torch.load(weights_only=True)``
  (explicitly, so ``TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD`` cannot turn it off) and
  turns torch's refusal into an :class:`UnsafeCheckpointError` naming the file
  and the refused global. :func:`install_safe_checkpoint_loaders` routes every
  mmengine load path (``load_from``, ``--resume``, ``tools/test.py``,
  ``init_recognizer``, URLs: mmengine's http loader passes
  ``weights_only=False`` through ``torch.hub``) through it.
* Saving: :class:`AtomicLocalBackend` writes to a temporary file in the same
  folder, fsyncs it and ``os.replace``-s it over the target, so a process
  killed while saving leaves either the old file or the new one.
* Resuming: :func:`find_resumable_checkpoint` trusts ``last_checkpoint`` only
  when it names a complete file, and otherwise falls back to the newest
  complete ``epoch_*.pth`` / ``iter_*.pth``.
* Fitting: :func:`check_state_dict` lists missing, unexpected and
  shape-mismatched keys.
"""
import os
import os.path as osp
import pickle
import re
import tempfile
import zipfile
from typing import Any, Callable, Dict, List, Optional, Union
from urllib.parse import urlparse

import torch
from mmengine.fileio import LocalBackend, register_backend
from torch import nn

MapLocation = Union[str, torch.device, Callable, Dict, None]

_CKPT_NAME = re.compile(r'^(epoch|iter)_(\d+)\.pth$')


class UnsafeCheckpointError(pickle.UnpicklingError):
    """A checkpoint whose pickle needs something outside the allow-list."""


class CheckpointMismatchError(RuntimeError):
    """A checkpoint whose weights do not fit the model built from a config."""


def safe_load(f: Any,
              map_location: MapLocation = 'cpu',
              name: Optional[str] = None,
              mmap: bool = False) -> Any:
    """``torch.load`` with ``weights_only=True`` and a clear refusal.

    Args:
        f (str | file-like): A path or a binary file object.
        map_location (str | torch.device | callable | dict, optional): As for
            :func:`torch.load`. Defaults to ``'cpu'``.
        name (str, optional): How to name the checkpoint in errors. Defaults
            to ``f`` when it is a path.
        mmap (bool): Memory-map the tensors instead of reading them (paths to
            zip-format checkpoints only). Defaults to False.

    Returns:
        Any: The unpickled object (plain containers, tensors and the
        allow-listed classes only).

    Raises:
        UnsafeCheckpointError: The pickle refers to a global that is not
            allow-listed; nothing from it was run.
    """
    name = name or (str(f) if isinstance(f, (str, os.PathLike)) else
                    '<buffer>')
    try:
        return torch.load(
            f, map_location=map_location, weights_only=True, mmap=mmap)
    except pickle.UnpicklingError as e:
        found = re.search(r'(?:Unsupported global|unsupported global|'
                          r'Unsupported operand)[^\n]*', str(e))
        detail = found.group(0) if found else str(e).splitlines()[0]
        raise UnsafeCheckpointError(
            f'Refusing to load checkpoint {name!r}: its pickle needs '
            f'something outside the weights-only allow-list ({detail}), so '
            'loading it could run code. Nothing from it was executed. nl1d '
            'always loads with weights_only=True. If you trust its author, '
            'ask for a weights-only export (a dict of tensors, e.g. '
            '`{"state_dict": model.state_dict()}`); if the refused name is a '
            'plain data class you trust (never a function such as os.system '
            'or builtins.eval), allow it with '
            'torch.serialization.add_safe_globals([...]).') from e


def load_from_local(filename: str, map_location: MapLocation = None) -> Any:
    """mmengine ``CheckpointLoader`` scheme for local paths, weights-only.

    Args:
        filename (str): A local path (``~`` is expanded).
        map_location (str | torch.device | callable | dict, optional): As for
            :func:`torch.load`. Defaults to None.

    Returns:
        Any: The loaded checkpoint.
    """
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(f'Checkpoint {filename!r} can not be found.')
    return safe_load(filename, map_location=map_location)


def safe_load_url(url: str,
                  model_dir: Optional[str] = None,
                  map_location: MapLocation = None,
                  progress: bool = True) -> Any:
    """Download ``url`` into the torch hub cache, then load it weights-only.

    Replaces ``mmengine.runner.checkpoint.load_url``, which calls
    ``torch.hub.load_state_dict_from_url`` with its default
    ``weights_only=False``.

    Args:
        url (str): The checkpoint's URL.
        model_dir (str, optional): Where to cache it. Defaults to
            ``<torch hub dir>/checkpoints``.
        map_location (str | torch.device | callable | dict, optional): As for
            :func:`torch.load`. Defaults to None.
        progress (bool): Show a download progress bar. Defaults to True.

    Returns:
        Any: The loaded checkpoint.
    """
    model_dir = model_dir or osp.join(torch.hub.get_dir(), 'checkpoints')
    os.makedirs(model_dir, exist_ok=True)
    cached = osp.join(model_dir, osp.basename(urlparse(url).path))
    if not osp.exists(cached):
        torch.hub.download_url_to_file(url, cached, progress=progress)
    return safe_load(cached, map_location=map_location, name=url)


def atomic_write(data: Union[bytes, str], path: str) -> None:
    """Write ``data`` to ``path`` so that readers see all of it or none.

    The bytes go to a temporary file in the same folder, are flushed to disk
    (``fsync``) and the file is renamed over ``path`` (``os.replace`` is
    atomic on POSIX and Windows).

    Args:
        data (bytes | str): The content; ``str`` is written as UTF-8.
        path (str): The destination; its folder is created if needed.
    """
    folder = osp.dirname(osp.abspath(path))
    os.makedirs(folder, exist_ok=True)
    if isinstance(data, str):
        data = data.encode('utf-8')
    fd, tmp = tempfile.mkstemp(
        dir=folder, prefix=f'.{osp.basename(path)}.', suffix='.tmp')
    try:
        with os.fdopen(fd, 'wb') as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if osp.exists(tmp):
            os.remove(tmp)
        raise
    if hasattr(os, 'O_DIRECTORY'):  # make the rename itself durable
        dir_fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


class AtomicLocalBackend(LocalBackend):
    """mmengine's local file backend with atomic writes.

    Select it with ``backend_args=dict(backend='local_atomic')``
    (``AtomicCheckpointHook`` does so by default).
    """

    def put(self, obj: bytes, filepath: Union[str, os.PathLike]) -> None:
        """Write bytes to ``filepath`` atomically (see :func:`atomic_write`).

        Args:
            obj (bytes): Data to be written.
            filepath (str | PathLike): Path to write data to.
        """
        atomic_write(obj, str(filepath))

    def put_text(self,
                 obj: str,
                 filepath: Union[str, os.PathLike],
                 encoding: str = 'utf-8') -> None:
        """Write text to ``filepath`` atomically.

        Args:
            obj (str): Text to be written.
            filepath (str | PathLike): Path to write text to.
            encoding (str): The encoding. Defaults to ``'utf-8'``.
        """
        atomic_write(obj.encode(encoding), str(filepath))


register_backend('local_atomic', AtomicLocalBackend, force=True)


def is_complete_checkpoint(path: str) -> bool:
    """Whether ``path`` is a whole ``torch.save`` zip archive.

    A truncated archive lacks its central directory (written last), so this
    catches a file cut short by a kill without reading the whole file.

    Args:
        path (str): A file path.

    Returns:
        bool: True if the file exists and its zip structure is intact.
    """
    if not osp.isfile(path):
        return False
    try:
        with zipfile.ZipFile(path) as archive:
            return len(archive.namelist()) > 0
    except (zipfile.BadZipFile, OSError):
        return False


def find_resumable_checkpoint(work_dir: str) -> Optional[str]:
    """The newest complete checkpoint of a run in ``work_dir``.

    ``work_dir/last_checkpoint`` is used when it names a complete file;
    otherwise (missing, truncated, or naming a file that was removed or cut
    short) the newest complete ``epoch_N.pth`` / ``iter_N.pth`` in
    ``work_dir`` is returned.

    Args:
        work_dir (str): The run's work dir.

    Returns:
        str | None: A checkpoint path, or None when there is none.
    """
    pointer = osp.join(work_dir, 'last_checkpoint')
    if osp.isfile(pointer):
        with open(pointer) as f:
            named = f.read().strip()
        if named and is_complete_checkpoint(named):
            return named
    if not osp.isdir(work_dir):
        return None
    found = []
    for name in os.listdir(work_dir):
        match = _CKPT_NAME.match(name)
        if match:
            found.append((int(match.group(2)), name))
    for _, name in sorted(found, reverse=True):
        path = osp.join(work_dir, name)
        if is_complete_checkpoint(path):
            return path
    return None


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
