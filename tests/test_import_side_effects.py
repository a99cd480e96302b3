# Copyright (c) nl1d contributors. All rights reserved.
"""``import nl1d`` registers modules and changes nothing else in the
process; :func:`nl1d.setup_env` is what switches nl1d's settings on.

Each check runs in fresh interpreters, with and without nl1d, so that it
compares against what the same imports do on their own.
"""
import json
import subprocess
import sys
import textwrap

import pytest

from tests.tools.tiny_signal_utils import REPO, tool_env

# What importing nl1d pulls in anyway; imported first so that the filters
# and attributes they set on their own are in the "before" snapshot.
STACK = ('import torch, scipy.special, scipy.signal, sklearn.metrics, '
         'mmengine.model, mmengine.runner, mmengine.hooks, mmcv.cnn, '
         'mmaction.datasets, mmaction.utils.dependency')


def _python(code: str) -> str:
    proc = subprocess.run([sys.executable, '-c', textwrap.dedent(code)],
                          cwd=REPO, env=tool_env(REPO), capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout.strip().splitlines()[-1]


@pytest.mark.slow
def test_torch_allow_list_is_the_same_with_and_without_nl1d():
    # the check: DTensor's entries must survive a later import
    count = ('print(len(torch.serialization.get_safe_globals()))')
    without = _python(f'import torch, torch.distributed.tensor\n{count}')
    with_nl1d = _python(
        f'import torch, nl1d, torch.distributed.tensor\n{count}')
    after = _python(f'import torch, torch.distributed.tensor, nl1d\n{count}')
    assert int(without) > 0
    assert with_nl1d == without == after


def test_import_changes_no_filters_modules_or_attributes():
    out = _python(f'''
        import json, sys, warnings
        {STACK}
        import mmengine.runner.checkpoint as ckpt
        from mmaction.utils import dependency
        from mmengine.fileio import file_client
        from mmengine.evaluator import metric
        from mmengine.runner import CheckpointLoader
        filters = list(warnings.filters)
        modules = set(sys.modules)
        state = dict(
            load_url=ckpt.load_url, schemes=dict(CheckpointLoader._schemes),
            multimodal=dependency.WITH_MULTIMODAL,
            print_log=(file_client.print_log, metric.print_log),
            safe=set(map(str, torch.serialization.get_safe_globals())))
        import nl1d
        after = dict(
            load_url=ckpt.load_url, schemes=dict(CheckpointLoader._schemes),
            multimodal=dependency.WITH_MULTIMODAL,
            print_log=(file_client.print_log, metric.print_log),
            safe=set(map(str, torch.serialization.get_safe_globals())))
        # modules without a spec are stand-ins, not imported files
        stubs = sorted(
            name for name in set(sys.modules) - modules
            if not name.startswith('nl1d')
            and getattr(sys.modules[name], '__spec__', None) is None
            and not name.startswith(('_cython', 'cython_runtime', 'cv2.',
                                     'scipy.', 'torch.'))
            and '.' in name)
        print(json.dumps(dict(
            filters=warnings.filters == filters,
            changed=[k for k in state if state[k] != after[k]],
            stubs=stubs,
            drn='mmaction.models.localizers.drn' in sys.modules)))
    ''')
    result = json.loads(out)
    assert result == dict(filters=True, changed=[], stubs=[], drn=False)


def test_setup_env_switches_the_loaders_and_filters_on():
    out = _python('''
        import json, warnings
        import nl1d
        import mmengine.runner.checkpoint as ckpt
        from mmengine.runner import CheckpointLoader
        before = (ckpt.load_url, len(warnings.filters))
        first = nl1d.setup_env()
        again = nl1d.setup_env()
        loader = CheckpointLoader._get_checkpoint_loader('x.pth')
        print(json.dumps(dict(
            first=first, again=again, loader=loader.__module__,
            load_url=ckpt.load_url.__module__,
            filters=len(warnings.filters) > before[1])))
    ''')
    result = json.loads(out)
    assert result['first'] and result['again'] == []
    assert result['loader'] == 'nl1d.checkpoint.schemes'
    assert result['load_url'] == 'nl1d.checkpoint.schemes'
    assert result['filters']


def test_mmaction_models_work_after_import_and_drn_explains_itself():
    out = _python('''
        import nl1d
        from mmaction.models.localizers import DRN
        from mmaction.registry import MODELS
        try:
            DRN()
        except ImportError as e:
            print('2714' in str(e) and 'ResNet1d' in MODELS.module_dict)
    ''')
    assert out == 'True'
