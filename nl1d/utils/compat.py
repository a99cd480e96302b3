# Copyright (c) nl1d contributors. All rights reserved.
"""Repairs for the pinned OpenMMLab stack, applied once by ``import nl1d``.

Each repair names the upstream issue it works around. None of them patches
installed files; none of them weakens torch's weights-only checkpoint loading.
"""
import importlib.util
import os.path as osp
import sys
import types

import numpy as np
import torch


def install_drn_stub() -> bool:
    """Make ``import mmaction.models`` work with the mmaction2 1.2.0 wheel.

    The 1.2.0 wheel lacks ``mmaction/models/localizers/drn`` (the source tree
    has no ``__init__.py`` there, so packaging skipped it; mmaction2 issue
    #2714), and ``mmaction/models/localizers/__init__.py`` imports
    ``from .drn.drn import DRN``. When the folder is missing we register a
    stub package whose ``DRN`` raises on use. When a fixed mmaction2 ships the
    folder, nothing is done.

    The folder is looked up on disk: ``find_spec`` on the drn name itself would
    import the broken parent package.

    Returns:
        bool: Whether the stub was installed.
    """
    name = 'mmaction.models.localizers.drn'
    if name in sys.modules:
        return False
    spec = importlib.util.find_spec('mmaction')
    if spec is None or not spec.submodule_search_locations:
        return False
    for root in spec.submodule_search_locations:
        if osp.isdir(osp.join(root, 'models', 'localizers', 'drn')):
            return False

    class DRN:  # noqa: D401 - a placeholder that explains itself on use
        """Stand-in for mmaction2's DRN localizer, missing from its wheel."""

        def __init__(self, *args, **kwargs):
            raise ImportError(
                'mmaction2 1.2.0 from PyPI lacks mmaction/models/localizers/'
                'drn (mmaction2 issue #2714), so the DRN localizer is not '
                'available. Install mmaction2 from source to use it.')

    package = types.ModuleType(name)
    package.__path__ = []  # a package, so `drn.drn` can be imported
    module = types.ModuleType(f'{name}.drn')
    module.DRN = DRN
    package.drn = module
    package.DRN = DRN
    sys.modules[name] = package
    sys.modules[f'{name}.drn'] = module
    return True


def _numpy_checkpoint_globals() -> list:
    """Numpy objects that an mmengine checkpoint pickles (via HistoryBuffer
    and ``message_hub``/``meta`` scalars)."""
    multiarray = np._core.multiarray if hasattr(np, '_core') else \
        np.core.multiarray
    allowed = [multiarray._reconstruct, multiarray.scalar, np.ndarray,
               np.dtype]
    allowed += [
        getattr(np.dtypes, name) for name in dir(np.dtypes)
        if name.endswith('DType') and isinstance(getattr(np.dtypes, name),
                                                 type)
    ]
    return allowed


def allow_mmengine_checkpoint_globals() -> list:
    """Let torch's weights-only unpickler read full mmengine checkpoints.

    torch >= 2.6 loads with ``weights_only=True`` by default and mmengine
    0.10.7's ``CheckpointLoader`` passes nothing, so ``--resume``,
    ``tools/test.py`` and ``load_from`` fail on the checkpoints mmengine itself
    writes (``Unsupported global: mmengine.logging.history_buffer.
    HistoryBuffer``; mmengine issue #1655, fixed only on its main branch).

    We add exactly the globals such a checkpoint holds
    (``torch.serialization.get_unsafe_globals_in_checkpoint`` lists them) to
    torch's allow-list: ``HistoryBuffer``, numpy's array reconstruction and
    dtypes, and ``builtins.getattr`` (HistoryBuffer pickles its statistics
    methods through it; the weights-only unpickler still refuses to *call*
    anything that is not allow-listed). Every other class is still refused,
    so a checkpoint cannot run code. Safety is never switched off.

    Returns:
        list: The objects added to the allow-list.
    """
    from mmengine.logging import HistoryBuffer
    allowed = [HistoryBuffer, getattr] + _numpy_checkpoint_globals()
    torch.serialization.add_safe_globals(allowed)
    return allowed


def install_safe_checkpoint_loaders() -> None:
    """Route every mmengine checkpoint load through a weights-only loader.

    mmengine 0.10.7's local loader calls ``torch.load`` without
    ``weights_only`` (weights-only only by torch's default, which
    ``TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD=1`` turns off; mmengine #1655) and its
    URL loader (``http(s)://``, ``torchvision://``, ``open-mmlab://``) goes
    through ``torch.hub.load_state_dict_from_url``, whose default is
    ``weights_only=False``: a downloaded checkpoint could run code. We
    re-register the local scheme and replace the URL helper with
    :mod:`nl1d.utils.checkpoint`'s loaders, which pass ``weights_only=True``
    explicitly and raise :class:`~nl1d.utils.checkpoint.UnsafeCheckpointError`
    naming the refused global. This covers ``load_from``, ``--resume``,
    ``tools/test.py`` and ``mmaction.apis.init_recognizer``. Idempotent.
    """
    import mmengine.runner.checkpoint as mmengine_checkpoint
    from mmengine.runner import CheckpointLoader

    from .checkpoint import load_from_local, safe_load_url
    CheckpointLoader.register_scheme(
        prefixes='', loader=load_from_local, force=True)
    mmengine_checkpoint.load_url = safe_load_url
