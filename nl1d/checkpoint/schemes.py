# Copyright (c) nl1d contributors. All rights reserved.
"""Checkpoint paths and URLs, each read through :func:`~nl1d.checkpoint.
load.safe_load`.

:data:`SAFE_SCHEMES` maps every prefix of mmengine's ``CheckpointLoader``
(local paths, ``file://``, ``http(s)://``, ``torchvision://``,
``open-mmlab://``, ``mmcls://``, ``s3://``/``petrel://``) to a loader that
resolves the name as mmengine does (with mmengine's own model lists) and
reads the bytes with :func:`~nl1d.checkpoint.load.safe_load`; ``pavi://``
and any other prefix are refused. :func:`load_checkpoint_file` and
:func:`load_checkpoint` use them directly.

:func:`install_safe_checkpoint_loaders` registers them with mmengine's
``CheckpointLoader`` and replaces ``mmengine.runner.checkpoint.load_url``
(whose ``torch.hub`` call defaults to ``weights_only=False``). Every mmengine
load path then goes through :func:`safe_load`: ``load_from``,
``--resume``, ``tools/test.py``, ``init_recognizer``, 2D->1D deflation.
This changes mmengine's loaders for the whole process, and only ever makes
them stricter (tested); it is switched on by :func:`nl1d.runtime.setup_env`
(nl1d's tools and the ``SetupEnvHook`` of the default runtime call it),
never by ``import nl1d``.
"""
import io
import os
import os.path as osp
import re
from typing import Any, Callable, Dict, Optional
from urllib.parse import unquote, urlparse

import torch
from mmengine.dist import get_dist_info

from .load import MapLocation, UnsafeCheckpointError, safe_load


def load_from_local(filename: str, map_location: MapLocation = None) -> Any:
    """mmengine ``CheckpointLoader`` scheme for local paths.

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


def load_from_file_url(filename: str,
                       map_location: MapLocation = None) -> Any:
    """``file:///abs/path.pth`` URLs: the local file.

    Args:
        filename (str): A ``file://`` URL.
        map_location (str | torch.device | callable | dict, optional): As for
            :func:`torch.load`. Defaults to None.

    Returns:
        Any: The loaded checkpoint.
    """
    return load_from_local(unquote(urlparse(filename).path), map_location)


def safe_load_url(url: str,
                  model_dir: Optional[str] = None,
                  map_location: MapLocation = None,
                  progress: bool = True) -> Any:
    """Download ``url`` into the torch hub cache, then :func:`safe_load` it.

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


def load_from_http(filename: str,
                   map_location: MapLocation = None,
                   model_dir: Optional[str] = None,
                   progress: bool = False) -> Any:
    """``http(s)://`` URLs, downloaded once per machine in distributed runs
    (local rank 0 first, as mmengine's loader does).

    Args:
        filename (str): The URL.
        map_location (str | torch.device | callable | dict, optional): As for
            :func:`torch.load`. Defaults to None.
        model_dir (str, optional): Download cache. Defaults to torch hub's.
        progress (bool): Show a download progress bar. Defaults to False.

    Returns:
        Any: The loaded checkpoint.
    """
    rank, world_size = get_dist_info()
    if rank == 0:
        checkpoint = safe_load_url(filename, model_dir, map_location,
                                   progress)
    if world_size > 1:
        torch.distributed.barrier()
        if rank > 0:
            checkpoint = safe_load_url(filename, model_dir, map_location,
                                       progress)
    return checkpoint


def load_from_torchvision(filename: str,
                          map_location: MapLocation = None) -> Any:
    """``torchvision://NAME`` (and the deprecated ``modelzoo://NAME``):
    torchvision's URL for ``NAME``, downloaded and read safely.

    Args:
        filename (str): ``torchvision://resnet50`` etc.
        map_location (str | torch.device | callable | dict, optional): As for
            :func:`torch.load`. Defaults to None.

    Returns:
        Any: The loaded checkpoint.
    """
    from mmengine.runner.checkpoint import get_torchvision_models
    name = filename.split('://', 1)[1]
    urls = get_torchvision_models()
    if name not in urls:
        raise KeyError(f'{filename}: torchvision has no model {name!r} '
                       f'(known: {sorted(urls)[:10]}...).')
    return load_from_http(urls[name], map_location=map_location)


def load_from_openmmlab(filename: str,
                        map_location: MapLocation = None) -> Any:
    """``open-mmlab://NAME`` / ``openmmlab://NAME``: resolved as mmengine
    does (its model list plus ``$MMENGINE_HOME/open_mmlab.json``, deprecated
    names followed) to a URL or a file under the mmengine home, then read
    safely.

    Args:
        filename (str): ``open-mmlab://NAME``.
        map_location (str | torch.device | callable | dict, optional): As for
            :func:`torch.load`. Defaults to None.

    Returns:
        Any: The loaded checkpoint.
    """
    from mmengine.runner.checkpoint import (_get_mmengine_home,
                                            get_deprecated_model_names,
                                            get_external_models)
    name = filename.split('://', 1)[1]
    name = get_deprecated_model_names().get(name, name)
    urls = get_external_models()
    if name not in urls:
        raise KeyError(f'{filename}: no model {name!r} in mmengine\'s model '
                       'list or $MMENGINE_HOME/open_mmlab.json.')
    url = urls[name]
    if url.startswith(('http://', 'https://')):
        return load_from_http(url, map_location=map_location)
    return load_from_local(
        osp.join(_get_mmengine_home(), url), map_location=map_location)


def load_from_mmcls(filename: str, map_location: MapLocation = None) -> Any:
    """``mmcls://NAME``: mmcls's URL for ``NAME``, read safely and renamed
    as mmengine's own loader does.

    Args:
        filename (str): ``mmcls://NAME``.
        map_location (str | torch.device | callable | dict, optional): As for
            :func:`torch.load`. Defaults to None.

    Returns:
        Any: The loaded checkpoint.
    """
    from mmengine.runner.checkpoint import (_process_mmcls_checkpoint,
                                            get_mmcls_models)
    name = filename.split('://', 1)[1]
    urls = get_mmcls_models()
    if name not in urls:
        raise KeyError(f'{filename}: no mmcls model {name!r}.')
    return _process_mmcls_checkpoint(
        load_from_http(urls[name], map_location=map_location))


def load_from_object_store(filename: str,
                           map_location: MapLocation = None) -> Any:
    """``s3://`` / ``petrel://`` paths: the bytes through mmengine's file
    backend (as its own loader), then read by :func:`safe_load` (its
    loader passes them to a plain ``torch.load``).

    Args:
        filename (str): ``s3://bucket/key.pth`` etc.
        map_location (str | torch.device | callable | dict, optional): As for
            :func:`torch.load`. Defaults to None.

    Returns:
        Any: The loaded checkpoint.
    """
    from mmengine import fileio
    data = fileio.get(filename, backend_args=dict(backend='petrel'))
    return safe_load(
        io.BytesIO(data), map_location=map_location, name=filename)


def _refuse_scheme(prefix: str) -> Callable[..., Any]:
    """A loader that refuses every path with ``prefix``."""

    def refuse(filename: str, map_location: MapLocation = None) -> Any:
        raise UnsafeCheckpointError(
            f'Refusing to load checkpoint {filename!r}: nl1d cannot read the '
            f'{prefix!r} scheme through its weights-only loader (mmengine\'s '
            'loader for it hands the file to a plain torch.load). Download '
            'the file yourself and pass its local path.')

    refuse.__name__ = 'load_from_refused_scheme'
    return refuse


#: mmengine ``CheckpointLoader`` prefixes and nl1d's loader for each.
SAFE_SCHEMES: Dict[str, Callable[..., Any]] = {
    '': load_from_local,
    'file://': load_from_file_url,
    'http://': load_from_http,
    'https://': load_from_http,
    'torchvision://': load_from_torchvision,
    'modelzoo://': load_from_torchvision,
    'open-mmlab://': load_from_openmmlab,
    'openmmlab://': load_from_openmmlab,
    'mmcls://': load_from_mmcls,
    r'(\S+\:)?s3://': load_from_object_store,
    r'(\S+\:)?petrel://': load_from_object_store,
}


def install_safe_checkpoint_loaders() -> None:
    """Route every mmengine checkpoint load through :func:`safe_load`.

    Registers :data:`SAFE_SCHEMES` with ``CheckpointLoader`` and a refusing
    loader for every other registered prefix (``pavi://``, and any that a
    package imported earlier added), and replaces
    ``mmengine.runner.checkpoint.load_url``. Idempotent.
    """
    import mmengine.runner.checkpoint as mmengine_checkpoint
    from mmengine.runner import CheckpointLoader

    # CheckpointLoader has no public listing of its prefixes.
    for prefix in list(CheckpointLoader._schemes):
        if prefix not in SAFE_SCHEMES and \
                CheckpointLoader._schemes[prefix].__module__ != __name__:
            CheckpointLoader.register_scheme(
                prefixes=prefix, loader=_refuse_scheme(prefix), force=True)
    for prefix, loader in SAFE_SCHEMES.items():
        CheckpointLoader.register_scheme(
            prefixes=prefix, loader=loader, force=True)
    mmengine_checkpoint.load_url = safe_load_url


def load_checkpoint_file(filename: str,
                         map_location: MapLocation = 'cpu') -> Any:
    """Read a checkpoint from a path or URL through nl1d's loaders, whether
    or not :func:`install_safe_checkpoint_loaders` was called.

    The scheme is matched as mmengine's ``CheckpointLoader`` does (the
    longest matching prefix of :data:`SAFE_SCHEMES`); any other
    ``scheme://`` is refused.

    Args:
        filename (str): A local path or a URL with a scheme of
            :data:`SAFE_SCHEMES`.
        map_location (str | torch.device | callable | dict, optional): As for
            :func:`torch.load`. Defaults to ``'cpu'``.

    Returns:
        Any: The checkpoint (see :func:`safe_load`).
    """
    for prefix in sorted(SAFE_SCHEMES, key=len, reverse=True):
        if prefix and re.match(prefix, filename) is not None:
            return SAFE_SCHEMES[prefix](filename, map_location)
    if '://' in filename:
        raise UnsafeCheckpointError(
            f'Refusing to load checkpoint {filename!r}: nl1d reads local '
            f'paths and the schemes {sorted(p for p in SAFE_SCHEMES if p)}'
            ' only. Download the file and pass its local path.')
    return load_from_local(filename, map_location)


def load_checkpoint(model: torch.nn.Module,
                    filename: str,
                    map_location: MapLocation = 'cpu',
                    strict: bool = False,
                    logger: Any = 'current') -> Dict[str, Any]:
    """mmengine's ``load_checkpoint`` reading through
    :func:`load_checkpoint_file`.

    Args:
        model (nn.Module): The model to load into.
        filename (str): A local path or URL.
        map_location (str | torch.device | callable | dict, optional): As for
            :func:`torch.load`. Defaults to ``'cpu'``.
        strict (bool): Whether keys must match exactly. Defaults to False.
        logger (str | logging.Logger): Where mismatches are reported.
            Defaults to ``'current'``.

    Returns:
        dict: The loaded checkpoint.
    """
    from mmengine.runner.checkpoint import _load_checkpoint_to_model
    checkpoint = load_checkpoint_file(filename, map_location)
    if not isinstance(checkpoint, dict):
        raise RuntimeError(f'No state_dict found in checkpoint file '
                           f'{filename}: it holds a '
                           f'{type(checkpoint).__name__}, not a dict.')
    return _load_checkpoint_to_model(model, checkpoint, strict, logger)
