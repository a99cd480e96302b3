# Copyright (c) nl1d contributors. All rights reserved.
"""``import nl1d`` with a wrong stack: nl1d's own message (what is wrong,
how to fix it) comes before mmaction2's import-time assertion."""
import subprocess
import sys

import pytest

# Runs `import nl1d` in a fresh interpreter in which importlib.metadata
# reports FAKE (a dict of distribution -> version, None: not installed).
PROBE = '''
import importlib.metadata as m
fake = {fake!r}
real = m.version

def version(dist):
    if dist in fake:
        if fake[dist] is None:
            raise m.PackageNotFoundError(dist)
        return fake[dist]
    return real(dist)

m.version = version
import nl1d
'''


def _import_nl1d(fake: dict) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, '-c', PROBE.format(fake=fake)],
                          capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize('fake, expected', [
    ({'mmcv-lite': '2.2.0'}, [
        'needs mmcv-lite>=2.0.0rc4,<2.2.0',
        'mmcv-lite==2.2.0 is installed', 'pip install "mmcv-lite==2.1.0"'
    ]),
    ({'mmcv-lite': None, 'mmcv': None},
     ['nl1d needs mmcv-lite (or mmcv) <2.2.0']),
    ({'mmaction2': '1.1.0'}, [
        'needs mmaction2>=1.2.0,<1.3.0', 'mmaction2==1.1.0 is installed',
        'requirements/mmaction.txt'
    ]),
    ({'mmaction2': None}, ['nl1d needs mmaction2 1.2.0', '--no-deps']),
    ({'mmengine': '0.9.0'}, ['needs mmengine>=0.10.7,<0.11.0',
                             'requirements/constraints.txt']),
])
def test_wrong_stack_gets_nl1d_message(fake, expected):
    result = _import_nl1d(fake)
    assert result.returncode != 0
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith('ImportError: '), result.stderr[-2000:]
    for text in expected:
        assert text in last, last


def test_right_stack_imports():
    result = _import_nl1d({})
    assert result.returncode == 0, result.stderr[-2000:]
