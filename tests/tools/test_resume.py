# Copyright (c) nl1d contributors. All rights reserved.
"""A training killed with SIGKILL resumes with ``--resume`` and ends with the
weights and test predictions of an uninterrupted run (issue 6, item 1)."""
import os.path as osp
import textwrap

import pytest
import torch

from tests.tools.tiny_signal_utils import (TINY_CONFIG, assert_same_results,
                                           assert_same_weights, run_tool,
                                           write_tiny_dataset)

# end-to-end runs of the tools: the full suite (tools/run_tests.sh) only
pytestmark = pytest.mark.slow

SEED = ['--seed', '3', '--deterministic']

# A test-only hook that SIGKILLs its own process at a chosen moment: in the
# middle of an epoch, or while a checkpoint is being written (after the bytes
# are in the temporary file, before it replaces the target).
KILL_HOOK = textwrap.dedent('''
    import os
    import signal

    from mmengine.hooks import Hook
    from mmaction.registry import HOOKS


    @HOOKS.register_module()
    class SelfKillHook(Hook):
        priority = 'HIGHEST'

        def __init__(self, at_iter=None, while_saving_epoch=None):
            self.at_iter = at_iter
            self.while_saving_epoch = while_saving_epoch

        def after_train_iter(self, runner, batch_idx, data_batch=None,
                             outputs=None):
            if runner.iter + 1 == self.at_iter:
                os.kill(os.getpid(), signal.SIGKILL)

        def before_save_checkpoint(self, runner, checkpoint):
            if checkpoint['meta']['epoch'] == self.while_saving_epoch:
                def fsync_and_die(fd):
                    os.kill(os.getpid(), signal.SIGKILL)
                os.fsync = fsync_and_die
''')


def _killing_config(tmp_path, **kill_args) -> str:
    (tmp_path / 'self_kill_hook.py').write_text(KILL_HOOK)
    args = ', '.join(f'{k}={v}' for k, v in kill_args.items())
    path = tmp_path / 'killed.py'
    path.write_text(
        f'_base_ = [{TINY_CONFIG!r}]\n'
        'custom_imports = dict(imports=["nl1d", '
        '"nl1d.engine.hooks.rng_state_hook", '
        '"nl1d.checkpoint.hook", "self_kill_hook"], '
        'allow_failed_imports=False)\n'
        'custom_hooks = [dict(type="RNGStateHook"), '
        f'dict(type="SelfKillHook", {args})]\n')
    return str(path)


@pytest.fixture(scope='module')
def reference(tmp_path_factory):
    """An uninterrupted run and its test predictions."""
    root = tmp_path_factory.mktemp('resume')
    data = write_tiny_dataset(str(root / 'data'))
    work_dir = str(root / 'reference')
    run_tool(['tools/train.py', TINY_CONFIG, '--work-dir', work_dir] + SEED,
             data)
    result = str(root / 'reference.pkl')
    run_tool([
        'tools/test.py', TINY_CONFIG,
        osp.join(work_dir, 'epoch_3.pth'), '--work-dir', work_dir, '--dump',
        result
    ], data)
    return data, work_dir, result


def _kill_then_resume(tmp_path, data, **kill_args):
    config = _killing_config(tmp_path, **kill_args)
    work_dir = str(tmp_path / 'work')
    killed = run_tool(
        ['tools/train.py', config, '--work-dir', work_dir] + SEED,
        data,
        check=False,
        extra_pythonpath=str(tmp_path))
    assert killed.returncode == -9, killed.stderr[-2000:]
    resumed = run_tool([
        'tools/train.py', TINY_CONFIG, '--work-dir', work_dir, '--resume'
    ] + SEED, data)
    result = str(tmp_path / 'resumed.pkl')
    run_tool([
        'tools/test.py', TINY_CONFIG,
        osp.join(work_dir, 'epoch_3.pth'), '--work-dir', work_dir, '--dump',
        result
    ], data)
    return work_dir, resumed, result


def test_resume_after_sigkill_mid_epoch(tmp_path, reference):
    data, ref_dir, ref_result = reference
    # 3 iterations per epoch: iteration 5 is in the middle of epoch 2
    work_dir, resumed, result = _kill_then_resume(tmp_path, data, at_iter=5)
    assert 'resumed epoch: 1, iter: 3' in resumed.stdout + resumed.stderr
    assert_same_weights(
        osp.join(ref_dir, 'epoch_3.pth'), osp.join(work_dir, 'epoch_3.pth'))
    assert_same_results(ref_result, result)


def test_resume_after_sigkill_while_saving(tmp_path, reference):
    data, ref_dir, ref_result = reference
    work_dir, resumed, result = _kill_then_resume(
        tmp_path, data, while_saving_epoch=2)
    # the killed save left the previous checkpoint as the latest one
    assert 'resumed epoch: 1, iter: 3' in resumed.stdout + resumed.stderr
    assert_same_weights(
        osp.join(ref_dir, 'epoch_3.pth'), osp.join(work_dir, 'epoch_3.pth'))
    assert_same_results(ref_result, result)
    # the optimizer state ends identical too
    ref = torch.load(
        osp.join(ref_dir, 'epoch_3.pth'), weights_only=True)['optimizer']
    res = torch.load(
        osp.join(work_dir, 'epoch_3.pth'), weights_only=True)['optimizer']
    for key, value in ref['state'].items():
        assert torch.equal(value['momentum_buffer'],
                           res['state'][key]['momentum_buffer'])
