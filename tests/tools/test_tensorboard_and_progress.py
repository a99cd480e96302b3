# Copyright (c) nl1d contributors. All rights reserved.
"""One tiny epoch through tools/train.py, as the quick start runs it:
mmengine's TensorboardVisBackend writes loss, lr and auc/auroc to an event
file (read back here), and ProgressBarHook tells the training on stderr in
a few lines while the Runner's full log goes to stdout."""
import glob
import os.path as osp

import pytest

from tests.tools.tiny_signal_utils import (TINY_CONFIG, run_tool,
                                           write_tiny_dataset)

# end-to-end runs of the tools: the full suite (tools/run_tests.sh) only
pytestmark = pytest.mark.slow

CHILD = f"""_base_ = [{TINY_CONFIG!r}]
custom_imports = dict(
    imports=['nl1d', 'nl1d.engine.hooks.rng_state_hook',
             'nl1d.checkpoint.hook'],
    allow_failed_imports=False)
visualizer = dict(vis_backends=[
    dict(type='LocalVisBackend'),
    dict(type='TensorboardVisBackend')
])
custom_hooks = [dict(type='RNGStateHook'), dict(type='ProgressBarHook')]
train_cfg = dict(max_epochs=2)
param_scheduler = [
    dict(type='MultiStepLR', begin=0, end=2, by_epoch=True, milestones=[1],
         gamma=0.1)
]
"""


@pytest.fixture(scope='module')
def trained(tmp_path_factory):
    root = tmp_path_factory.mktemp('tensorboard')
    data = write_tiny_dataset(str(root / 'data'))
    config = str(root / 'tiny_tensorboard.py')
    with open(config, 'w') as f:
        f.write(CHILD)
    work_dir = str(root / 'work')
    train = run_tool(['tools/train.py', config, '--work-dir', work_dir,
                      '--seed', '0'], data)
    best = glob.glob(osp.join(work_dir, 'best_*.pth'))
    assert len(best) == 1
    test = run_tool(['tools/test.py', config, best[0], '--work-dir',
                     str(root / 'test')], data)
    return work_dir, train, test


def test_tensorboard_event_file_holds_loss_lr_and_auroc(trained):
    from tensorboard.backend.event_processing.event_accumulator import \
        EventAccumulator
    work_dir = trained[0]
    events = glob.glob(
        osp.join(work_dir, '*', 'vis_data', 'events.out.tfevents.*'))
    assert len(events) == 1, events
    accumulator = EventAccumulator(events[0])
    accumulator.Reload()
    tags = set(accumulator.Tags()['scalars'])
    assert {'loss', 'lr', 'auc/auroc'} <= tags, tags
    lrs = [e.value for e in accumulator.Scalars('lr')]
    assert lrs[0] == pytest.approx(0.05) and lrs[-1] == pytest.approx(0.005)
    aurocs = accumulator.Scalars('auc/auroc')
    assert [e.step for e in aurocs] == [1, 2]  # one validation per epoch
    assert all(0.0 <= e.value <= 1.0 for e in aurocs)
    assert all(e.value > 0 for e in accumulator.Scalars('loss'))


def test_progress_story_on_stderr_full_log_on_stdout(trained):
    _, train, test = trained
    story = [line for line in train.stderr.splitlines() if line.strip()]
    epochs = [line for line in story if line.startswith('epoch ')]
    assert len(epochs) == 2, train.stderr
    assert epochs[0].startswith('epoch 1/2 [') and ' 3/3 ' in epochs[0]
    assert 'loss ' in epochs[0] and 'val auc/auroc ' in epochs[0]
    assert any(line.startswith('best validation score ') for line in story)
    # the Runner's log stays on stdout (and in the work dir)
    assert 'Epoch(train)' in train.stdout and 'epoch 1/2 [' not in \
        train.stdout
    tested = [line for line in test.stderr.splitlines()
              if line.startswith('test [')]
    assert len(tested) == 1 and ' 5/5 ' in tested[0] and 'auc/auroc' in \
        tested[0], test.stderr
