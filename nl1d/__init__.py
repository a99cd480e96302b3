# Copyright (c) nl1d contributors. All rights reserved.
"""nl1d: non-local 1D ResNets for long physiological signals, as an
MMAction2 plugin. ``import nl1d`` checks the stack, repairs what the pinned
stack needs repaired and registers every module into mmaction2's registries.
"""
# The stack's versions are checked first, from the installed distributions'
# metadata: importing mmaction2 with a wrong mmcv would fail with
# mmaction2's own assertion before nl1d could say what to do.
import importlib.metadata  # noqa: E402
from typing import Sequence  # noqa: E402

from mmengine.utils import digit_version  # noqa: E402

from .version import __version__, version_info  # noqa: E402

mmengine_minimum_version = '0.10.7'
mmengine_maximum_version = '0.11.0'
mmcv_minimum_version = '2.0.0rc4'
mmcv_maximum_version = '2.2.0'
mmaction_minimum_version = '1.2.0'
mmaction_maximum_version = '1.3.0'


def _check_version(name: str, version: str, low: str, high: str,
                   fix: str) -> None:
    if not digit_version(low) <= digit_version(version) < digit_version(high):
        raise ImportError(
            f'nl1d {__version__} needs {name}>={low},<{high}, but '
            f'{name}=={version} is installed. {fix}')


def _require(dists: Sequence[str], low: str, high: str, missing: str,
             fix: str) -> None:
    """Check the version of the first installed distribution of ``dists``
    with :func:`_check_version`; ``missing`` says how to install one."""
    for dist in dists:
        try:
            version = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            continue
        return _check_version(dist, version, low, high, fix)
    raise ImportError(missing)


_require(['mmengine'], mmengine_minimum_version, mmengine_maximum_version,
         missing='nl1d needs mmengine 0.10.7: run `pip install -c '
         'requirements/constraints.txt .` from the nl1d repository.',
         fix='Run `pip install -c requirements/constraints.txt .` from the '
         'nl1d repository.')
_require(['mmcv-lite', 'mmcv'], mmcv_minimum_version, mmcv_maximum_version,
         missing='nl1d needs mmcv-lite (or mmcv) <2.2.0: run `pip install '
         '"mmcv-lite==2.1.0"`.',
         fix='mmaction2 1.2.0 refuses mmcv>=2.2.0 at import: run '
         '`pip install "mmcv-lite==2.1.0"`.')
_require(['mmaction2'], mmaction_minimum_version, mmaction_maximum_version,
         missing='nl1d needs mmaction2 1.2.0. Install it without its '
         'dependencies (they drag in decord and opencv-contrib-python): '
         '`pip install --no-deps -r requirements/mmaction.txt`.',
         fix='Run `pip install --no-deps -r requirements/mmaction.txt`.')

# Before anything imports mmcv/mmaction: the start-up notices no user can
# act on are filtered, by message and category (nl1d/utils/warnings_filter).
from .utils.warnings_filter import filter_known_warnings  # noqa: E402

filter_known_warnings()

import torch  # noqa: E402

# torch's weights-only allow-list as it was before `import nl1d`: restored
# at the end (see nl1d.utils.compat.restore_safe_globals).
_safe_globals_before = torch.serialization.get_safe_globals()

# Stack repairs: before anything imports mmaction.models.
from .utils.compat import (install_drn_stub, restore_safe_globals,  # noqa
                           skip_unimportable_multimodal)
from .utils.safe_load import install_safe_checkpoint_loaders  # noqa: E402

install_drn_stub()  # mmaction2 #2714
# mmaction2 1.2.0's VindLU models fail to import beside transformers 5.
skip_unimportable_multimodal()
# Every mmengine checkpoint load path reads through nl1d's weights-only
# loader (mmengine #1655; URLs too: torch.hub's load_state_dict_from_url
# defaults to weights_only=False). torch's allow-list is left untouched.
install_safe_checkpoint_loaders()

# Registration: every submodule that registers something.
from . import apis, datasets, engine, evaluation, models  # noqa: E402,F401

restore_safe_globals(_safe_globals_before)
del _safe_globals_before

__all__ = ['__version__', 'version_info']
