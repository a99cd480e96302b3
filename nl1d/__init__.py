# Copyright (c) nl1d contributors. All rights reserved.
"""nl1d: non-local 1D ResNets for long physiological signals, as an
MMAction2 plugin. ``import nl1d`` checks the stack's versions and registers
every module into mmaction2's registries, and changes nothing else: the
repairs ``import mmaction.models`` needs are scoped to that import
(:func:`nl1d.runtime.import_mmaction_models`), and the process-wide settings
of nl1d's tools are switched on by :func:`nl1d.runtime.setup_env`.
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

# mmaction.models with its repairs, which leave no trace (mmaction2 #2714).
from .runtime.stack_repairs import import_mmaction_models  # noqa: E402

import_mmaction_models()

# Registration: every submodule that registers something.
from . import apis, checkpoint, datasets  # noqa: E402,F401
from . import engine, evaluation, models  # noqa: E402,F401
from .runtime import setup_env  # noqa: E402

__all__ = ['__version__', 'version_info', 'setup_env']
