# Copyright (c) nl1d contributors. All rights reserved.
"""``import nl1d`` beside a transformers that mmaction2 1.2.0's VindLU
models cannot import (transformers 5, or transformers 4 without timm)."""
import importlib.metadata
import importlib.util
import os
import subprocess
import sys
import textwrap

import pytest

from nl1d.runtime import stack_repairs as compat
from tests.tools.tiny_signal_utils import REPO


@pytest.fixture
def multimodal_not_imported(monkeypatch):
    """As before ``import mmaction.models``: VindLU not imported yet and
    mmaction2 deciding to import it (transformers>=4.28 found)."""
    from mmaction.utils import dependency
    monkeypatch.delitem(sys.modules, 'mmaction.models.multimodal',
                        raising=False)
    monkeypatch.setattr(dependency, 'WITH_MULTIMODAL', True)
    return dependency


def _installed(monkeypatch, transformers, timm):
    """Pretend ``transformers`` (a version) and, if ``timm``, timm are
    installed, as the distributions' metadata and the import system say."""
    real_version = importlib.metadata.version
    real_find_spec = importlib.util.find_spec

    def version(name):
        return transformers if name == 'transformers' else real_version(name)

    def find_spec(name, *args):
        if name == 'timm':
            return object() if timm else None
        return real_find_spec(name, *args)

    monkeypatch.setattr(importlib.metadata, 'version', version)
    monkeypatch.setattr(importlib.util, 'find_spec', find_spec)


def test_transformers_5_skips_vindlu(monkeypatch, multimodal_not_imported):
    _installed(monkeypatch, '5.1.0', timm=True)
    reason = compat.skip_unimportable_multimodal()
    assert reason and 'transformers 5.1.0' in reason
    assert multimodal_not_imported.WITH_MULTIMODAL is False


def test_transformers_4_without_timm_skips_vindlu(monkeypatch,
                                                  multimodal_not_imported):
    _installed(monkeypatch, '4.40.0', timm=False)
    assert 'timm' in compat.skip_unimportable_multimodal()
    assert multimodal_not_imported.WITH_MULTIMODAL is False


def test_a_working_multimodal_stack_is_left_alone(
        monkeypatch, multimodal_not_imported):
    _installed(monkeypatch, '4.40.0', timm=True)
    assert compat.skip_unimportable_multimodal() is None
    assert multimodal_not_imported.WITH_MULTIMODAL is True


def test_nothing_to_do_once_mmaction_models_are_imported():
    import mmaction.models  # noqa: F401
    assert compat.skip_unimportable_multimodal() is None


def test_import_nl1d_beside_transformers_5(tmp_path):
    """A (fake) transformers 5 whose import would fail: ``import nl1d``
    works, never imports it, and the VindLU models explain themselves."""
    package = tmp_path / 'transformers'
    package.mkdir()
    (package / '__init__.py').write_text(
        'raise ImportError("transformers must not be imported")\n')
    info = tmp_path / 'transformers-5.0.0.dist-info'
    info.mkdir()
    (info / 'METADATA').write_text(
        'Metadata-Version: 2.1\nName: transformers\nVersion: 5.0.0\n')
    script = textwrap.dedent('''
        import sys
        import nl1d
        from mmaction.registry import MODELS
        from mmaction.utils import dependency
        assert 'transformers' not in sys.modules
        # switched off for the import of mmaction.models only
        assert dependency.WITH_MULTIMODAL is True
        try:
            MODELS.build(dict(type='VindLUVQA'))
        except ImportError as e:
            print('placeholder:', e)
        ''')
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(tmp_path), REPO]))
    proc = subprocess.run([sys.executable, '-c', script], env=env, cwd=REPO,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert 'multi-modal dependencies' in proc.stdout
