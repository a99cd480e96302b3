# Copyright (c) nl1d contributors. All rights reserved.
"""Repairs that make the pinned OpenMMLab stack importable, scoped to the
one import of ``mmaction.models`` that needs them.

``import mmaction.models`` fails with the mmaction2 1.2.0 wheel (mmaction2
#2714) and, beside transformers 5, on its VindLU models. nl1d must import
it to register its modules, so :func:`import_mmaction_models` imports it
with the repairs in place and takes them back afterwards: no stub is left
in ``sys.modules``, mmaction2's ``WITH_MULTIMODAL`` flag is restored, and
the import-time notices are silenced only for that import
(``warnings.catch_warnings``). Each repair names the upstream issue it
works around and patches no installed file.
"""
import importlib
import importlib.metadata
import importlib.util
import os.path as osp
import sys
import types
import warnings
from typing import Optional

from .known_warnings import ignore_import_notices


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


def skip_unimportable_multimodal() -> Optional[str]:
    """Keep ``import mmaction.models`` working beside transformers 5 or
    without timm.

    mmaction2 1.2.0 imports its VindLU video-text models whenever
    ``transformers>=4.28`` is installed
    (``mmaction.utils.dependency.WITH_MULTIMODAL``), and those models also
    need timm and a transformers 4 (``modeling_bert`` imports
    ``apply_chunking_to_forward`` and others from
    ``transformers.modeling_utils``, gone in transformers 5). With
    transformers 5, or without timm, the import fails, and ``import nl1d``
    with it, in any environment that merely has transformers installed.
    Then ``WITH_MULTIMODAL`` is set to False before ``mmaction.models`` is
    imported, so mmaction2 registers its own placeholders for the VindLU
    models (they raise on use, naming the extra to install). Decided from
    the installed distributions' metadata: transformers itself is not
    imported. With transformers 4 and timm nothing is changed.

    Returns:
        str, optional: Why the VindLU models were skipped, or None when
        nothing was changed.
    """
    if 'mmaction.models.multimodal' in sys.modules:
        return None
    from mmaction.utils import dependency
    if not dependency.WITH_MULTIMODAL:
        return None
    from mmengine.utils import digit_version
    version = importlib.metadata.version('transformers')
    if digit_version(version) >= digit_version('5.0.0'):
        reason = f'transformers {version} is installed (VindLU needs <5)'
    elif importlib.util.find_spec('timm') is None:
        reason = 'timm is not installed'
    else:
        return None
    dependency.WITH_MULTIMODAL = False
    return reason


def import_mmaction_models() -> None:
    """Import ``mmaction.models`` with the repairs it needs, and leave no
    trace of them.

    The DRN stub (:func:`install_drn_stub`) is in ``sys.modules`` and
    ``WITH_MULTIMODAL`` is switched off (:func:`skip_unimportable_multimodal`)
    only while ``mmaction.models`` is imported; the import-time notices of
    mmcv and torch are ignored only then (``NL1D_SHOW_ALL_WARNINGS=1``
    shows them). Afterwards ``mmaction.models.localizers.DRN`` is the stub
    class (it raises on use, naming the issue). Nothing is done when
    ``mmaction.models`` is already imported.
    """
    if 'mmaction.models' in sys.modules:
        return
    from mmaction.utils import dependency
    multimodal = dependency.WITH_MULTIMODAL
    stub = ('mmaction.models.localizers.drn',
            'mmaction.models.localizers.drn.drn')
    stubbed = False
    with warnings.catch_warnings():
        ignore_import_notices()
        try:
            stubbed = install_drn_stub()  # mmaction2 #2714
            skip_unimportable_multimodal()
            importlib.import_module('mmaction.models')
        finally:
            dependency.WITH_MULTIMODAL = multimodal
            if stubbed:
                for name in stub:
                    sys.modules.pop(name, None)
