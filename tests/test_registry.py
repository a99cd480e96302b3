# Copyright (c) nl1d contributors. All rights reserved.
"""Every module configs refer to is registered under its documented name in
mmaction2's own registries (default_scope='mmaction')."""
import mmengine.registry
import pytest
from mmengine.registry import DefaultScope

import nl1d
from mmaction.registry import DATASETS, METRICS, MODELS, TRANSFORMS

REGISTERED = [
    (MODELS, 'Recognizer1D'),
    (MODELS, 'ResNet1d'),
    (MODELS, 'NonLocal1d'),
    (MODELS, 'NonLocalNeck1d'),
    (MODELS, 'SignalHead'),
    (MODELS, 'SignalDataPreprocessor'),
    (DATASETS, 'SignalDataset'),
    (TRANSFORMS, 'LoadSignal'),
    (TRANSFORMS, 'SampleWindows'),
    (TRANSFORMS, 'PackSignalInputs'),
    (METRICS, 'AUCMetric'),
]


@pytest.mark.parametrize('registry,name', REGISTERED,
                         ids=[n for _, n in REGISTERED])
def test_registered_in_mmaction_scope(registry, name):
    """Registered into mmaction's registry itself (not a child registry of
    another scope), so configs with default_scope='mmaction' find it
    through mmengine's root registry, as the Runner builds them."""
    assert name in registry.module_dict, \
        f'{name} is not in mmaction::{registry.name}'
    cls = registry.module_dict[name]
    assert cls.__module__.startswith('nl1d.'), cls.__module__
    root = getattr(mmengine.registry, registry.name.upper() + 'S')
    with DefaultScope.overwrite_default_scope('mmaction'):
        with root.switch_scope_and_registry('mmaction') as scoped:
            assert scoped.get(name) is cls


def test_sample_windows_reuses_sample_frames():
    from mmaction.datasets.transforms import SampleFrames
    assert issubclass(TRANSFORMS.get('SampleWindows'), SampleFrames)


def test_version():
    """A PEP 440 version, parsed into version_info, that the installed
    distribution reports (setup.py reads nl1d/version.py)."""
    from importlib.metadata import PackageNotFoundError, version

    from packaging.version import Version

    from nl1d.version import parse_version_info
    release = Version(nl1d.__version__).release
    assert nl1d.version_info[:len(release)] == release
    assert parse_version_info('1.2.3') == (1, 2, 3)
    assert parse_version_info('0.4.0rc2') == (0, 4, 0, 'rc2')
    try:
        installed = version('nl1d')
    except PackageNotFoundError:
        pytest.skip('nl1d is not installed (pip install -e .)')
    assert installed == nl1d.__version__


def test_mmaction_models_importable():
    """mmaction2 #2714: the 1.2.0 wheel lacks localizers/drn; nl1d's stub
    makes `import mmaction.models` work and DRN explains itself on use."""
    import mmaction.models  # noqa: F401
    from mmaction.models.localizers import DRN
    with pytest.raises(ImportError, match='2714'):
        DRN()
