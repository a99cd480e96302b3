# Copyright (c) nl1d contributors. All rights reserved.
"""The known, unactionable start-up notices of the pinned stack are
filtered, narrowly: other warnings and log messages still come through."""
import logging
import os
import subprocess
import sys

import pytest

from tests.tools.tiny_signal_utils import REPO

FILTER = os.path.join(REPO, 'nl1d', 'runtime', 'known_warnings.py')

# Load the filter by path and apply it before anything imports mmcv (as
# nl1d/__init__.py does first thing), then import the stack.
SCRIPT = f"""
import importlib.util, warnings
spec = importlib.util.spec_from_file_location('warnings_filter', {FILTER!r})
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
module.filter_known_warnings()
import nl1d, mmaction.models
warnings.warn('a warning of our own', UserWarning)
"""


def _run(env_extra):
    env = dict(os.environ, **env_extra)
    env.pop('PYTHONWARNINGS', None)
    return subprocess.run([sys.executable, '-W', 'default', '-c', SCRIPT],
                          cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=300)


@pytest.mark.slow
def test_import_notices_are_filtered_and_others_are_not():
    proc = _run({})
    assert proc.returncode == 0, proc.stderr
    assert 'MultiScaleDeformableAttention' not in proc.stderr
    assert '`torch.jit.script` is deprecated' not in proc.stderr
    assert 'a warning of our own' in proc.stderr
    # the control: without the filters the notice is there
    shown = _run({'NL1D_SHOW_ALL_WARNINGS': '1'})
    assert 'MultiScaleDeformableAttention' in shown.stderr


def test_mmengine_notices_are_dropped_by_message_only():
    from mmengine.evaluator import metric
    from mmengine.fileio import file_client

    from nl1d.runtime.known_warnings import filter_known_warnings
    filter_known_warnings()
    filter_known_warnings()  # idempotent: wrapped once

    class Collect(logging.Handler):

        def __init__(self):
            super().__init__()
            self.messages = []

        def emit(self, record):
            self.messages.append(record.getMessage())

    logger = logging.getLogger('nl1d.test_warnings_filter')
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    handler = Collect()
    logger.addHandler(handler)
    for module, msg in (
            (file_client, '"FileClient" will be deprecated in future. x'),
            (file_client, '"HardDiskBackend" is the alias of "LocalBackend"'),
            (metric, 'The prefix is not set in metric class DumpResults.')):
        module.print_log(msg, logger=logger, level=logging.WARNING)
    assert handler.messages == []
    # the same module's other warnings, and the same text at another level
    file_client.print_log('disk is full', logger=logger,
                          level=logging.WARNING)
    metric.print_log('The prefix is not set in metric class AUCMetric.',
                     logger=logger, level=logging.WARNING)
    file_client.print_log('"FileClient" will be deprecated in future.',
                          logger=logger, level=logging.INFO)
    assert handler.messages == [
        'disk is full', 'The prefix is not set in metric class AUCMetric.',
        '"FileClient" will be deprecated in future.'
    ]
    assert getattr(file_client.print_log.__wrapped__, '_nl1d_quiet',
                   False) is False
