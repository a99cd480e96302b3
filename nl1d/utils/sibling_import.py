# Copyright (c) nl1d contributors. All rights reserved.
"""Import a module that sits beside a tool script.

A data-preparation folder such as ``tools/data/hypotension/`` holds several
modules (the converter, the label definition, the readers...) but is no
package: its scripts run as ``python tools/data/<dataset>/convert.py`` and
the tests load them from their files.
"""
import importlib.util
import os.path as osp
import sys
from types import ModuleType


def import_sibling(script: str, name: str) -> ModuleType:
    """Import ``<name>.py`` from the folder of ``script``, once.

    The module is registered in ``sys.modules`` as
    ``_nl1d_<folder>_<name>`` (e.g. ``_nl1d_hypotension_labels``): a private
    name, so that a generic file name (``labels.py``, ``readers.py``) never
    shadows another module, and one copy shared by every sibling that
    imports it (and by a test that loads it under the same name).

    Args:
        script (str): The importing file, normally its ``__file__``.
        name (str): The sibling's file name without ``.py``.

    Returns:
        ModuleType: The imported module.

    Examples:
        >>> labels = import_sibling(__file__, 'labels')
    """
    folder = osp.dirname(osp.abspath(script))
    full = f'_nl1d_{osp.basename(folder)}_{name}'
    if full not in sys.modules:
        spec = importlib.util.spec_from_file_location(
            full, osp.join(folder, f'{name}.py'))
        module = importlib.util.module_from_spec(spec)
        sys.modules[full] = module
        try:
            spec.loader.exec_module(module)
        except BaseException:
            del sys.modules[full]
            raise
    return sys.modules[full]
