# Copyright (c) nl1d contributors. All rights reserved.
"""The layers of nl1d: each module imports only its own package and the
layers below it, read from the source with ``ast`` (imports inside
functions count too).

    0  checkpoint, version      checkpoints as data; imports no other nl1d
    1  runtime                  the process: setup, dist, cli, progress...
    2  models, datasets, evaluation   independent of each other
    3  engine                   hooks, optimizer wrappers, config checks
    4  apis                     inference, ONNX export
    5  analysis                 what tools/analysis/ does, importable
       tools/, demo/, benchmarks/     scripts: import the library, never the
                                      reverse

``nl1d/__init__.py`` (registration: it imports every package) and the
deprecated ``nl1d/utils`` names stand outside the layers; nothing in nl1d,
tools/ or demo/ imports ``nl1d.utils``.
"""
import ast
from pathlib import Path
from typing import Iterator, List, Optional, Tuple

import pytest

ROOT = Path(__file__).resolve().parents[1]

LAYERS = {
    'checkpoint': 0,
    'version': 0,
    'runtime': 1,
    'models': 2,
    'datasets': 2,
    'evaluation': 2,
    'engine': 3,
    'apis': 4,
    'analysis': 5,
}
#: Outside the layers: the package root (registration) and the deprecated
#: names of nl1d.utils.
UNLAYERED = ('__init__', 'utils')
SCRIPT_FOLDERS = ('tools', 'demo')
#: Scripts allowed a deprecated name: gpu_check.py falls back to
#: nl1d.utils.collect_env on installs older than nl1d.runtime.collect_env.
OLD_NAMES_ALLOWED = {'tools/gpu_check.py'}


def module_name(path: Path) -> str:
    """``nl1d/engine/hooks/threshold_hook.py`` -> its dotted name."""
    parts = list(path.relative_to(ROOT).with_suffix('').parts)
    if parts[-1] == '__init__':
        parts = parts[:-1]
    return '.'.join(parts)


def imported_modules(source: str, name: str,
                     is_package: bool) -> Iterator[Tuple[int, str]]:
    """``(line, dotted name)`` of every module ``source`` imports, relative
    imports resolved against ``name``; ``from nl1d import x`` gives
    ``nl1d.x``."""
    package = name.split('.') if is_package else name.split('.')[:-1]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[:len(package) - node.level + 1]
                module = [node.module] if node.module else []
                target = '.'.join(base + module)
            else:
                target = node.module
            if target == 'nl1d':
                for alias in node.names:
                    yield node.lineno, f'nl1d.{alias.name}'
            else:
                yield node.lineno, target


def layer_of(dotted: str) -> Optional[str]:
    """The nl1d package (``'engine'``...) a dotted name is in; ``'nl1d'``
    for the root itself, None outside nl1d."""
    parts = dotted.split('.')
    if parts[0] != 'nl1d':
        return None
    return parts[1] if len(parts) > 1 else 'nl1d'


def violations(source: str, name: str, is_package: bool = False) -> List[str]:
    """Imports of module ``name`` that break the layer rule."""
    own = layer_of(name)
    found = []
    for line, target in imported_modules(source, name, is_package):
        other = layer_of(target)
        if other is None:
            if target.split('.')[0] in ('tools', 'benchmarks', 'demo',
                                        'tests'):
                found.append(f'{name}:{line} imports {target} (a script)')
        elif other == 'nl1d':
            found.append(f'{name}:{line} imports the package root, which '
                         'imports every layer')
        elif other == 'utils':
            found.append(f'{name}:{line} imports the deprecated {target}')
        elif other in ('__version__', 'version_info'):
            continue  # from nl1d import __version__ (nl1d.version's)
        elif other not in LAYERS:
            found.append(f'{name}:{line} imports {target} from the package '
                         'root, which imports every layer')
        elif other != own and LAYERS[other] >= LAYERS[own]:
            found.append(
                f'{name}:{line} imports {target}: layer {own} '
                f'({LAYERS[own]}) may import only lower layers, not '
                f'{other} ({LAYERS[other]})')
    return found


def _library_modules() -> List[Path]:
    return sorted((ROOT / 'nl1d').rglob('*.py'))


def test_every_package_has_a_layer():
    packages = {
        path.relative_to(ROOT / 'nl1d').with_suffix('').parts[0]
        for path in _library_modules()
    }
    assert packages - set(UNLAYERED) == set(LAYERS), (
        'a new package of nl1d needs its place in LAYERS (and in '
        'docs/architecture.md)')


@pytest.mark.parametrize(
    'path', [
        p for p in _library_modules()
        if p.relative_to(ROOT / 'nl1d').parts[0] not in ('utils', )
        and p != ROOT / 'nl1d' / '__init__.py'
    ],
    ids=lambda p: str(p.relative_to(ROOT)))
def test_library_module_imports_only_lower_layers(path):
    name = module_name(path)
    assert violations(path.read_text(), name,
                      path.name == '__init__.py') == []


def test_scripts_use_the_current_names():
    """tools/ and demo/ import the library at its current homes."""
    found = []
    for folder in SCRIPT_FOLDERS:
        for path in sorted((ROOT / folder).rglob('*.py')):
            if str(path.relative_to(ROOT)) in OLD_NAMES_ALLOWED:
                continue
            for line, target in imported_modules(path.read_text(), 'tools.x',
                                                 False):
                if layer_of(target) == 'utils':
                    found.append(f'{path.relative_to(ROOT)}:{line} {target}')
    assert found == []


@pytest.mark.parametrize('source, name, expected', [
    ('from nl1d.engine import ThresholdHook', 'nl1d.evaluation.metrics.x',
     'layer evaluation (2) may import only lower layers, not engine (3)'),
    ('from ...apis import init_recognizer', 'nl1d.models.backbones.x',
     'not apis (4)'),
    ('def f():\n    import nl1d.datasets.annotation\n', 'nl1d.evaluation.y',
     'not datasets (2)'),
    ('from nl1d.utils import safe_load', 'nl1d.apis.z', 'deprecated'),
    ('import tools.analysis.eval_metric', 'nl1d.apis.z', 'a script'),
    ('import nl1d', 'nl1d.models.q', 'package root'),
    ('from nl1d import engine', 'nl1d.datasets.q', 'not engine (3)'),
])
def test_the_rule_catches_violations(source, name, expected):
    found = violations(source, name)
    assert len(found) == 1 and expected in found[0], found


def test_the_rule_allows_lower_layers_and_own_package():
    source = ('from nl1d.checkpoint import safe_load\n'
              'from nl1d.runtime.progress import ProgressBar\n'
              'from .records import positive_scores\n'
              'from ..metrics import RecordMetric\n'
              'from nl1d.version import __version__\n')
    assert violations(source, 'nl1d.evaluation.metrics.auc_metric') == []
