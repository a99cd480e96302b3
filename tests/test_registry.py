# Copyright (c) nl1d contributors. All rights reserved.
"""Every module configs refer to is registered under its documented name in
mmaction2's own registries (default_scope='mmaction')."""
import pytest

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
    assert registry.scope == 'mmaction'
    cls = registry.get(name)
    assert cls is not None, f'{name} is not in mmaction::{registry.name}'
    assert cls.__module__.startswith('nl1d.'), cls.__module__


def test_sample_windows_reuses_sample_frames():
    from mmaction.datasets.transforms import SampleFrames
    assert issubclass(TRANSFORMS.get('SampleWindows'), SampleFrames)


def test_version():
    assert nl1d.__version__ == '.'.join(map(str, nl1d.version_info[:3]))


def test_mmaction_models_importable():
    """mmaction2 #2714: the 1.2.0 wheel lacks localizers/drn; nl1d's stub
    makes `import mmaction.models` work and DRN explains itself on use."""
    import mmaction.models  # noqa: F401
    from mmaction.models.localizers import DRN
    with pytest.raises(ImportError, match='2714'):
        DRN()
