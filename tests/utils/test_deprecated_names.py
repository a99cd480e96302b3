# Copyright (c) nl1d contributors. All rights reserved.
"""nl1d.utils is gone; every name it exported, and every name of its
former submodules, still imports, with a DeprecationWarning naming the new
import."""
import importlib

import pytest

import nl1d  # noqa: F401
import nl1d.utils


@pytest.mark.parametrize('name', sorted(nl1d.utils.MOVED))
def test_every_former_name_imports_with_a_warning(name):
    new = nl1d.utils.MOVED[name]
    with pytest.warns(DeprecationWarning, match=f'import {name}`') as caught:
        value = getattr(nl1d.utils, name)
    assert str(caught[0].message).split('use `from ')[1].startswith('nl1d.')
    real = getattr(importlib.import_module(new), name)
    # the submodule of the same name, once imported, stands in for it
    assert value is real or callable(value)


@pytest.mark.parametrize('old', sorted(nl1d.utils.MOVED_MODULES))
def test_every_former_submodule_forwards_its_names(old):
    module = importlib.import_module(f'nl1d.utils.{old}')
    new = importlib.import_module(nl1d.utils.MOVED_MODULES[old][0])
    public = [
        n for n in vars(new) if not n.startswith('_')
        and getattr(getattr(new, n), '__module__', None) == new.__name__
    ]
    for name in public:
        with pytest.warns(DeprecationWarning, match=new.__name__.rsplit(
                '.', 1)[0]):
            assert getattr(module, name) is getattr(new, name)
    with pytest.raises(AttributeError):
        module.no_such_name


def test_old_spellings_keep_working():
    with pytest.warns(DeprecationWarning):
        from nl1d.utils import UnsafeCheckpointError, safe_load
        from nl1d.utils.safe_load import SAFE_SCHEMES, load_checkpoint_file
    from nl1d.checkpoint import schemes
    assert issubclass(UnsafeCheckpointError, Exception)
    assert SAFE_SCHEMES is schemes.SAFE_SCHEMES
    assert load_checkpoint_file is schemes.load_checkpoint_file
    # `from nl1d.utils import safe_load` after the submodule was imported
    # gives the submodule, which calls safe_load
    assert callable(safe_load)
    with pytest.warns(DeprecationWarning):
        from nl1d.utils import collect_env
        assert collect_env()['nl1d'] == nl1d.__version__


def test_other_moved_modules_keep_their_names():
    """nl1d.evaluation.result_io (now nl1d.evaluation.results) and
    nl1d.engine.hooks.atomic_checkpoint_hook (now nl1d.checkpoint.hook),
    which configs list in custom_imports."""
    import sys

    from nl1d.checkpoint import AtomicCheckpointHook
    from nl1d.evaluation import result_io, results
    with pytest.warns(DeprecationWarning, match='nl1d.evaluation.results'):
        assert result_io.load_results is results.load_results
    sys.modules.pop('nl1d.engine.hooks.atomic_checkpoint_hook', None)
    with pytest.warns(DeprecationWarning, match='nl1d.checkpoint'):
        module = importlib.import_module(
            'nl1d.engine.hooks.atomic_checkpoint_hook')
    assert module.AtomicCheckpointHook is AtomicCheckpointHook
