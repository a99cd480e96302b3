# Copyright (c) nl1d contributors. All rights reserved.
"""benchmarks/model_zoo.py: the quick mode runs a row end to end; the
tables and metafiles render from the results files (run here, else kept in
benchmarks/results) and replace the zoo blocks of the READMEs."""
import glob
import json
import os
import os.path as osp
import re
import subprocess
import sys
import time

import pytest

from tests.tools.tiny_signal_utils import REPO, tool_env

SHARED = osp.join(osp.dirname(REPO), 'shared', 'data')
BENCHMARKS = osp.join(REPO, 'benchmarks')
sys.path.insert(0, BENCHMARKS)


@pytest.mark.slow
@pytest.mark.skipif(
    not osp.isdir(osp.join(SHARED, 'ucr', 'ECG200')),
    reason='../shared/data/ucr is not here')
def test_quick_row_end_to_end(tmp_path):
    cmd = [sys.executable, 'benchmarks/model_zoo.py', 'run',
           'ucr-ecg200-nl_r18_res5', '--quick', '--work-root', str(tmp_path),
           '--shared', SHARED, '--threads', '1']
    proc = subprocess.run(cmd, cwd=REPO, env=tool_env(REPO),
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    with open(tmp_path / 'quick' / 'ucr-ecg200-nl_r18_res5' /
              'row.json') as f:
        row = json.load(f)
    assert row['quick'] and row['checkpoint_tested'] == 'epoch_11.pth'
    assert 0 <= row['metrics']['thr_acc/accuracy'] <= 1
    assert row['metrics']['thr_acc/accuracy_ci_low'] <= \
        row['metrics']['thr_acc/accuracy']
    assert row['length'] == 96 and row['params'] > 4e6
    assert 'tools/train.py' in row['commands'][0]
    # a finished row is skipped
    again = subprocess.run(cmd, cwd=REPO, env=tool_env(REPO),
                           capture_output=True, text=True, timeout=600)
    assert 'done' in again.stdout


def _row(name, group, **extra):
    from zoo_rows import ROWS
    metrics = {'thr_acc/accuracy': 0.9, 'thr_acc/accuracy_ci_low': 0.85,
               'thr_acc/accuracy_ci_high': 0.95, 'auc/auroc': 0.97,
               'auc/auprc': 0.8, 'auc/prevalence': 0.1}
    return dict(ROWS[name], metrics=metrics, params=4.37e6, flops=5.7e8,
                train_seconds=600, machine='test machine', quick=False,
                **extra)


def test_tables_and_readme_update(tmp_path):
    from zoo_rows import ROWS
    from zoo_tables import render_tables, update_readme
    rows = [_row('ucr-ecg200-nl_r18_res5', 'ucr'),
            _row('cinc2017-af-20s-nl_r34_res3', 'depth-position')]
    tables = render_tables(rows)
    assert '| ECG200 | NL R18 (res5) | 90.0 [85.0, 95.0] | 87.4 | +2.6 | ' \
        '93.0 (InceptionTime) |' in tables['ucr']
    grid = tables['depth-position'].splitlines()
    assert grid[3].startswith('| R34 | not run | not run | 0.970<br>')
    assert 'test machine' in tables['machine']
    # Rows without results are listed with the command that runs them.
    pending = [dict(ROWS[name], not_run=True) for name in
               ('ucr-ecg200-r18', 'apnea-ecg-rr-r18',
                'ablation-ucr-ecg200-1xb16-50e')]
    listed = render_tables(rows[:1] + pending[:1] + rows[1:] + pending[1:])
    ucr = listed['ucr'].splitlines()
    assert ucr[2].startswith('| ECG200 | NL R18 (res5) | 90.0 [85.0, 95.0] '
                             '| 87.4 | +2.6 |')
    assert ucr[3].startswith('| ECG200 | R18 | not run yet (`model_zoo.py '
                             'run ucr-ecg200-r18`) | 87.4 |')
    assert 'not run yet (`model_zoo.py run apnea-ecg-rr-r18`)' in \
        listed['apnea']
    assert 'ablation' not in listed
    readme = tmp_path / 'README.md'
    readme.write_text('a\n<!-- zoo:ucr -->\nold\n<!-- /zoo:ucr -->\nb\n'
                      '<!-- zoo:apnea -->\nkept\n<!-- /zoo:apnea -->\n'
                      '<!-- zoo:depth-position -->\n'
                      '<!-- /zoo:depth-position -->\nc\n')
    update_readme(str(readme), tables)
    text = readme.read_text()
    assert 'old' not in text and tables['ucr'] in text and 'kept' in text
    # an empty block (adjacent markers) is filled too, and stays one block
    assert (f'<!-- zoo:depth-position -->\n{tables["depth-position"]}\n'
            '<!-- /zoo:depth-position -->\nc\n') in text
    update_readme(str(readme), tables)
    assert readme.read_text() == text
    # or written elsewhere, the page itself unchanged
    update_readme(str(readme), dict(ucr='new'), str(tmp_path / 'out.md'))
    assert readme.read_text() == text
    assert '<!-- zoo:ucr -->\nnew\n' in (tmp_path / 'out.md').read_text()


def test_links_are_relative_to_the_page():
    from zoo_tables import render_tables
    rows = [_row('ucr-ecg200-nl_r18_res5-wslice', 'ucr-wslice')]
    here = render_tables(rows, 'configs/nl1d/ucr')['ucr-wslice']
    assert '[config](nl_r18_res5_1xb16-500e-wslice_ucr-ecg200.py)' in here
    assert '[result](../../../benchmarks/results/' \
        'ucr-ecg200-nl_r18_res5-wslice.json)' in here
    there = render_tables(rows)['ucr-wslice']
    assert '[config](../configs/nl1d/ucr/nl_r18_res5_1xb16-500e-wslice_' \
        'ucr-ecg200.py)' in there
    assert '[result](results/ucr-ecg200-nl_r18_res5-wslice.json)' in there


def test_numbers_of_a_recipe_chosen_seeing_the_test_split_are_marked():
    from zoo_tables import render_tables
    ucr = render_tables([_row('ucr-ecg200-r18-wslice', 'ucr-wslice'),
                         _row('ucr-ecg200-r18', 'ucr')])
    line = ucr['ucr-wslice'].splitlines()[2]
    assert '| 90.0 [85.0, 95.0] * |' in line and '| 0.970 * |' in line
    assert ' * ' not in ucr['ucr']  # the recipe on whole series: no mark
    apnea = render_tables([_row('apnea-ecg-rr-r18', 'apnea')])['apnea']
    line = apnea.splitlines()[2]
    # the threshold was chosen with the test split in view, AUROC was not
    assert '| 0.970 | 0.800 (0.100) |' in line
    assert '| 0.900 [0.850, 0.950] * |' in line


def test_ablation_lines_sit_under_the_row_they_change():
    from zoo_tables import render_tables
    rows = [_row('cinc2017-rhythms-20s-nl_r18_res5', 'cinc2017'),
            _row('cinc2017-af-20s-nl_r18_res5', 'depth-position'),
            _row('ablation-cinc2017-rhythms-20s-1xb32-40e', 'ablation'),
            _row('ablation-cinc2017-af-20s-1xb32-20e-classweight',
                 'ablation'),
            _row('apnea-ecg-rr-nl_r18_res5', 'apnea')]
    lines = render_tables(rows)['ablation'].splitlines()[2:]
    # the 40-epoch ablation's `base` is the four-rhythm row; the class
    # weights pair by dataset and model with the 20-s AF-vs-rest row
    assert '**20-s windows, 20 epochs, trained on the four rhythms** (base)' \
        in lines[0] and 'cinc2017-rhythms-20s-nl_r18_res5' in lines[0]
    assert '40 epochs' in lines[1]
    assert 'trained on AF vs the rest** (base)' in lines[2] and \
        'results/cinc2017-af-20s-nl_r18_res5.json' in lines[2]
    assert 'class-weighted' in lines[3]
    assert 'at the arg-max (threshold 0.5)' in render_tables(rows)['apnea']


def test_ucr_seed_table_gives_mean_and_sd_of_three_seeds():
    from zoo_tables import render_tables
    base = 'ucr-earthquakes-nl_r18_res5'
    rows = [_row(base, 'ucr'), _row(f'{base}-seed1', 'ucr-seed'),
            _row(f'{base}-seed2', 'ucr-seed')]
    for row, accuracy in zip(rows, (0.655, 0.700, 0.720)):
        row['metrics'] = dict(row['metrics'], **{'thr_acc/accuracy':
                                                 accuracy})
    line = render_tables(rows)['ucr-seed'].splitlines()[2]
    # mean 69.17, sample sd sqrt((3.67^2 + 0.83^2 + 2.83^2) / 2) = 3.33;
    # the published ResNet 71.2
    assert line.startswith('| Earthquakes | NL R18 (res5) | 65.5 / 70.0 / '
                           '72.0 | 69.2 ± 3.3 | 71.2 | -2.0 | ')
    assert f'[seed 2](results/{base}-seed2.json)' in line
    # a seed not run yet names its command and leaves the mean out
    rows[2] = dict(rows[2], not_run=True)
    line = render_tables(rows)['ucr-seed'].splitlines()[2]
    assert f'not run yet (`model_zoo.py run {base}-seed2`) | - | 71.2 | - |' \
        in line and 'seed 2' not in line


def test_window_slicing_rows_have_their_own_ucr_table_and_seed_0():
    """The UCR recipe with window slicing is a table of its own, beside the
    published numbers as the recipe's, and its seeds are summarised against
    the published ResNet as the recipe's own seeds are."""
    from zoo_tables import render_tables
    base = 'ucr-computers-r18-wslice'
    rows = [_row('ucr-computers-r18', 'ucr'), _row(base, 'ucr-wslice'),
            _row(f'{base}-seed1', 'ucr-seed'),
            _row(f'{base}-seed2', 'ucr-seed')]
    for row, accuracy in zip(rows, (0.776, 0.804, 0.812, 0.800)):
        row['metrics'] = dict(row['metrics'], **{'thr_acc/accuracy':
                                                 accuracy})
    tables = render_tables(rows)
    assert tables['ucr'].splitlines()[2].startswith(
        '| Computers | R18 | 77.6 [85.0, 95.0] | 80.6 | -3.0 |')
    wslice = tables['ucr-wslice'].splitlines()[2:]
    assert len(wslice) == 1 and wslice[0].startswith(
        '| Computers | R18 | 80.4 [85.0, 95.0] * | 80.6 | -0.2 | '
        '81.9 (FCN) |')
    assert 'ucr/r18_1xb16-500e-wslice_ucr-computers.py' in wslice[0]
    line = tables['ucr-seed'].splitlines()[2]
    assert line.startswith('| Computers | R18, window slicing | 80.4 / 81.2 '
                           '/ 80.0 | 80.5 ± 0.6 | 80.6 | -0.1 | ')
    assert f'[seed 0](results/{base}.json)' in line
    assert 'ucr/r18_1xb16-500e-wslice_ucr-computers.py' in line


def test_ablations_of_two_models_on_one_dataset_keep_their_own_base():
    from zoo_tables import render_tables
    stem = '1xb16-500e-imagenet-stem'
    rows = [_row('ucr-pigartpressure-nl_r18_res5', 'ucr'),
            _row('ucr-pigartpressure-r18', 'ucr'),
            _row(f'ablation-ucr-pigartpressure-nl_r18_res5-{stem}',
                 'ablation'),
            _row(f'ablation-ucr-pigartpressure-r18-{stem}', 'ablation')]
    lines = render_tables(rows)['ablation'].splitlines()[2:]
    assert len(lines) == 4
    assert lines[0].startswith('| PigArtPressure | NL R18 (res5) | **the '
                               'UCR recipe on whole series** (base) |') \
        and 'results/ucr-pigartpressure-nl_r18_res5.json' in lines[0]
    assert '| NL R18 (res5) | ImageNet stem' in lines[1]
    assert lines[2].startswith('| PigArtPressure | R18 | **') and \
        'results/ucr-pigartpressure-r18.json' in lines[2]
    assert '| R18 | ImageNet stem' in lines[3] and \
        'configs/ablations/r18_1xb16-500e-imagenet-stem_ucr-pigartpressure' \
        '.py' in lines[3]


@pytest.mark.slow
def test_fusion_row_dumps_members_on_validation_and_fuses(
        tmp_path, monkeypatch):
    """Finished members (row.json, result.pkl) are not rerun; each gets a
    validation dump from tools/test.py (stubbed: it writes scores) with its
    test pipeline on val.txt; fuse_scores.py runs for real."""
    import mmengine
    import numpy as np

    import model_zoo
    import zoo_run
    from nl1d.evaluation.baseline_eval import binary_samples
    from tests.tools.tiny_signal_utils import EVAL_CONFIG, write_tiny_dataset
    root = write_tiny_dataset(str(tmp_path / 'data'), num_val=6,
                              num_test=6)
    config = tmp_path / 'fusion_config.py'
    config.write_text(EVAL_CONFIG.format(root=root))

    def samples(split, offset):
        labels = np.arange(6) % 2
        files = [osp.join(root, f'signals/{split}_{i:03d}.npy')
                 for i in range(6)]
        return binary_samples(0.2 + 0.5 * labels + offset, labels, files)

    work_root = tmp_path / 'zoo'
    rows = {}
    for k, name in enumerate(('m0', 'm1')):
        rows[name] = dict(name=name, group='x', config=str(config),
                          checkpoint='last')
        work = work_root / name
        work.mkdir(parents=True)
        (work / 'last_checkpoint').write_text(str(work / 'epoch_1.pth'))
        mmengine.dump(samples('test', 0.01 * k), str(work / 'result.pkl'))
        (work / 'row.json').write_text(json.dumps(dict(
            rows[name], train_seconds=60, params=10, flops=100, length=192)))
    rows['both'] = dict(name='both', group='x', config=str(config),
                        checkpoint='best', members=['m0', 'm1'])
    monkeypatch.setattr(model_zoo, 'ROWS', rows)
    real_run, tested = zoo_run._run, []

    def fake_test(cmd, log, threads):
        if cmd[0] != 'tools/test.py':
            return real_run(cmd, log, threads)
        tested.append(cmd)
        member = osp.basename(cmd[cmd.index('--work-dir') + 1])
        mmengine.dump(samples('val', 0.01 * (member == 'm1')),
                      cmd[cmd.index('--dump') + 1])

    monkeypatch.setattr(zoo_run, '_run', fake_test)
    model_zoo.main(['run', 'both', '--work-root', str(work_root)])
    assert [c[2] for c in tested] == [str(work_root / 'm0' / 'epoch_1.pth'),
                                      str(work_root / 'm1' / 'epoch_1.pth')]
    assert all('test_dataloader.dataset.ann_file=val.txt' in c
               for c in tested)
    row = json.loads((work_root / 'both' / 'row.json').read_text())
    assert row['metrics']['auc/auroc'] == pytest.approx(1.0)
    # the mean of 0.705 and 0.715, the positives' lowest fused val score
    assert row['metrics']['thr_acc/threshold'] == pytest.approx(0.705)
    assert (row['train_seconds'], row['params'], row['flops']) == \
        (120, 20, 200)
    assert 'fuse_scores.py' in row['commands'][-2]
    # the fusion compared with its first member on the same test records
    # (compare_scores.py, run for real): both rank every pair right
    assert 'compare_scores.py' in row['commands'][-1]
    assert row['paired']['delta_auroc'] == pytest.approx(0.0)
    assert row['paired']['p_auroc'] == pytest.approx(1.0)
    assert set(row['paired']) == {
        'delta_auroc', 'delta_auroc_ci', 'p_auroc', 'delta_auprc',
        'delta_auprc_ci', 'p_auprc'}
    # done rows are skipped, fusion included
    model_zoo.main(['run', 'both', '--work-root', str(work_root)])
    assert len(tested) == 2


@pytest.fixture
def fused_with_a_baseline(tmp_path, monkeypatch):
    """A fusion row ``both`` of a finished network row ``net`` and a
    baseline row ``base`` run with tools/test.py and the baseline tool
    stubbed (fuse_scores.py and compare_scores.py run for real); the zoo's
    work root and the commands run."""
    import mmengine
    import numpy as np

    import model_zoo
    import zoo_run
    from nl1d.evaluation.baseline_eval import binary_samples
    from tests.tools.tiny_signal_utils import EVAL_CONFIG, write_tiny_dataset
    root = write_tiny_dataset(str(tmp_path / 'data'), num_val=6,
                              num_test=6)
    config = tmp_path / 'fusion_config.py'
    config.write_text(EVAL_CONFIG.format(root=root) + (
        "default_hooks = dict(checkpoint=dict(save_best='auc/auroc'))\n"))

    def samples(split, probs):
        files = [osp.join(root, f'signals/{split}_{i:03d}.npy')
                 for i in range(6)]
        return binary_samples(np.asarray(probs), np.arange(6) % 2, files)

    # each ranks one positive below one negative; a mix ranks all right
    net = [0.1, 0.7, 0.1, 0.3, 0.5, 0.7]
    base = [0.6, 0.4, 0.2, 0.7, 0.2, 0.7]
    work_root = tmp_path / 'zoo'
    work = work_root / 'net'
    work.mkdir(parents=True)
    (work / 'last_checkpoint').write_text(str(work / 'epoch_1.pth'))
    mmengine.dump(samples('test', net), str(work / 'result.pkl'))
    rows = dict(
        net=dict(name='net', group='x', config=str(config), checkpoint='last'),
        base=dict(name='base', group='x', config=str(config),
                  checkpoint='best', data='d',
                  baseline='tools/analysis/rr_baseline.py'),
        both=dict(name='both', group='x', config=str(config),
                  checkpoint='best', members=['net', 'base'],
                  fusion=['--mean', 'geometric', '--choose-coefficients']))
    (work / 'row.json').write_text(json.dumps(dict(
        rows['net'], train_seconds=60, params=10, flops=100, length=192)))
    monkeypatch.setattr(model_zoo, 'ROWS', rows)
    monkeypatch.setattr(zoo_run, 'prepare', lambda *a: None)
    real_run, commands = zoo_run._run, []

    def fake_run(cmd, log, threads):
        commands.append(cmd)
        if cmd[0] == 'tools/test.py':
            mmengine.dump(samples('val', net), cmd[cmd.index('--dump') + 1])
        elif cmd[0] == 'tools/analysis/rr_baseline.py':
            mmengine.dump(samples('test', base),
                          cmd[cmd.index('--dump') + 1])
            mmengine.dump(samples('val', base),
                          cmd[cmd.index('--val-dump') + 1])
            with open(cmd[cmd.index('--out') + 1], 'w') as f:
                json.dump({'auc/auroc': 0.9}, f)
        else:
            real_run(cmd, log, threads)

    monkeypatch.setattr(zoo_run, '_run', fake_run)
    model_zoo.main(['run', 'both', '--work-root', str(work_root)])
    return work_root, commands


@pytest.mark.slow
def test_baseline_member_and_fusion_options(fused_with_a_baseline):
    """A baseline row (no network) dumps its test and validation scores
    with its tool; a fusion row passes its ``fusion`` options to
    fuse_scores.py, which chooses the weights on the validation dumps."""
    work_root, commands = fused_with_a_baseline
    baseline = json.loads((work_root / 'base' / 'row.json').read_text())
    assert (baseline['params'], baseline['flops']) == (0, 0)
    assert baseline['metrics'] == {'auc/auroc': 0.9}
    assert 'rr_baseline.py' in baseline['commands'][0]
    fuse, compare = commands[-2:]
    assert fuse[0] == 'tools/analysis/fuse_scores.py'
    assert compare[0] == 'tools/analysis/compare_scores.py'
    assert compare[compare.index('--preds') + 1:][:2] == [
        str(work_root / 'net' / 'result.pkl'),
        str(work_root / 'both' / 'result.pkl')]
    assert fuse[fuse.index('--val-preds') + 2] == str(
        work_root / 'base' / 'val_result.pkl')
    assert ['--mean', 'geometric', '--choose-coefficients'] == \
        fuse[fuse.index('--choose-coefficients') - 2:
             fuse.index('--choose-coefficients') + 1]
    row = json.loads((work_root / 'both' / 'row.json').read_text())
    assert row['metrics']['fusion/val_auc/auroc'] == pytest.approx(1.0)
    assert row['metrics']['auc/auroc'] == pytest.approx(1.0)
    assert 0 < row['metrics']['fusion/weight_0'] < 1
    assert (row['params'], row['flops']) == (10, 100)
    # the network alone misranks a pair, the fusion none: AUROC 8/9 -> 1
    assert row['paired']['delta_auroc'] == pytest.approx(1 / 9)


@pytest.mark.slow
def test_tables_show_a_fusion_and_a_baseline(fused_with_a_baseline):
    """A fusion's recipe cell holds its paired AUROC difference with its
    network alone; a baseline's row says it has no network and links its
    tool."""
    from zoo_tables import render_tables
    work_root, _ = fused_with_a_baseline
    row = json.loads((work_root / 'both' / 'row.json').read_text())
    baseline = json.loads((work_root / 'base' / 'row.json').read_text())
    fused_line = next(line for line in render_tables([dict(
        row, group='apnea', model='NET + RR', recipe='mix', machine='m')])
        ['apnea'].splitlines() if line.startswith('| NET + RR'))
    assert '| mix; paired with its network alone: ΔAUROC +0.111 [' in \
        fused_line
    # the table says the baseline has no network and links its tool
    line = next(line for line in render_tables([dict(
        baseline, group='apnea', model='RR', machine='m')])['apnea']
        .splitlines() if line.startswith('| RR'))
    assert '— (no network)' in line and \
        '[tool](../tools/analysis/rr_baseline.py)' in line


def test_results_keep_finished_rows_with_their_log_summary(tmp_path):
    from zoo_results import copy_results, load_result
    zoo, results = tmp_path / 'zoo', tmp_path / 'results'
    for name, body in (('here', {'v': 'fresh'}), ('running', None),
                       ('quick', {'v': 'q', 'quick': True})):
        for run, loss in (('20260101_000000', 1.0), ('20260102_000000', 0.5)):
            vis = zoo / name / run / 'vis_data'
            vis.mkdir(parents=True)
            (vis / 'scalars.json').write_text(
                json.dumps({'epoch': 1, 'loss': loss}) + '\n')
        if body is not None:
            (zoo / name / 'row.json').write_text(json.dumps(body))
    results.mkdir()
    (results / 'committed.json').write_text('{"v": "committed"}')
    (results / 'here.json').write_text('{"v": "stale"}')
    copy_results(str(zoo), str(results), ['here', 'running', 'quick'])
    # a --quick or unfinished row is never kept; a fresh row replaces its
    # old one, with the summary of every run of its log (a resumed one)
    assert sorted(p.name for p in results.iterdir()) == \
        ['committed.json', 'here.json']
    kept = json.loads((results / 'here.json').read_text())
    assert kept == {'v': 'fresh', 'log': {'train': {'epoch': [1],
                                                    'loss': [0.75]}},
                    'reproduce': 'python benchmarks/model_zoo.py run here'}
    assert load_result('committed', str(zoo), str(results)) == \
        {'v': 'committed'}
    assert load_result('here', str(zoo), str(results)) == {'v': 'fresh'}
    assert load_result('missing', str(zoo), str(results)) is None


def test_log_summary_keeps_the_learning_curve_in_a_few_points():
    from zoo_results import summarise_log
    entries = []
    for epoch in range(1, 301):
        entries += [dict(epoch=epoch, iter=k, loss=1 / epoch + 0.001 * k,
                         lr=1e-3, time=0.1) for k in (1, 2)]
        if epoch % 100 == 0:
            entries.append({'auc/auroc': 0.5 + epoch / 1000, 'step': epoch,
                            'time': 0.2})
    entries.append({'auc/auroc': 0.9, 'step': 300})  # a resumed epoch
    log = summarise_log(entries, max_points=100)
    # 300 epochs: a point is the mean loss of 3 epochs, named by the last
    assert log['train']['epoch'][:2] == [3, 6] and \
        len(log['train']['epoch']) == 100
    first = (1 / 1 + 1 / 2 + 1 / 3) / 3 + 0.0015
    assert log['train']['loss'][0] == pytest.approx(first, rel=1e-3)
    assert log['val'] == {'epoch': [100, 200, 300],
                          'auc/auroc': [0.6, 0.7, 0.9]}
    # 4 significant digits: a 500-epoch row stays a few kilobytes
    assert len(json.dumps(log)) < 2000


def test_kept_results_are_small():
    """One results file per row (and per diagnostic), the training logs
    summarised inside: all of them together well under 2 MB."""
    from zoo_rows import ROWS
    from zoo_tables import RESULTS
    files = glob.glob(osp.join(REPO, RESULTS, '*.json'))
    assert sum(osp.getsize(f) for f in files) < 1e6
    names = {osp.basename(f)[:-5] for f in files}
    assert names - set(ROWS) == {n for n in names
                                 if n.startswith('diagnostic-')}
    for name in names & set(ROWS):
        with open(osp.join(REPO, RESULTS, f'{name}.json')) as f:
            result = json.load(f)
        assert result['name'] == name and result['metrics'], name
        assert result['reproduce'] == f'python benchmarks/model_zoo.py run ' \
            f'{name}'
        assert result.get('log') or result.get('members') or \
            result.get('baseline') or result.get('recovered_from'), name


def test_rows_name_configs_that_exist_in_their_place():
    """A released row's config is in its dataset folder of configs/; a
    config under benchmarks/ is never released."""
    from zoo_rows import ROWS
    for name, row in ROWS.items():
        assert osp.isfile(osp.join(REPO, row['config'])), row['config']
        if row.get('released'):
            assert osp.dirname(row['config']) == \
                f'configs/nl1d/{row["released"]}', name
        if row['config'].startswith('benchmarks/'):
            assert not row.get('released'), name
    released = [n for n, r in ROWS.items() if r.get('released')]
    assert len(released) == 16 + 6 + 2  # UCR, CinC 2017, Apnea-ECG


def test_old_runner_path_and_renamed_rows_name_the_new_ones(capsys):
    import model_zoo
    old = subprocess.run(
        [sys.executable, 'tools/benchmarks/model_zoo.py', 'list'], cwd=REPO,
        capture_output=True, text=True, timeout=60)
    assert old.returncode != 0 and 'benchmarks/model_zoo.py' in old.stderr
    with pytest.raises(SystemExit):
        model_zoo.parse_args(['run', 'seed-cinc2017-af-20s-r18'])
    assert 'seed-cinc2017-af-20s-r18 is now cinc2017-af-20s-r18' in \
        capsys.readouterr().err


def test_nothing_in_the_library_imports_benchmarks():
    for path in glob.glob(osp.join(REPO, 'nl1d', '**', '*.py'),
                          recursive=True):
        with open(path) as f:
            text = f.read()
        assert not re.search(r'^\s*(from|import) (benchmarks|zoo_)', text,
                             re.M), path


@pytest.fixture(scope='module')
def rendered(tmp_path_factory):
    """`model_zoo.py table --update` run once from benchmarks/results only
    (as on a clone without work dirs), its pages written under a folder of
    their own; that folder."""
    import model_zoo
    out = tmp_path_factory.mktemp('rendered')
    model_zoo.main([
        'table', '--work-root', str(out / 'none'), '--update', '--out',
        str(out)
    ])
    return out


def test_readme_tables_are_the_kept_results(rendered):
    """Every zoo README (the released rows of each dataset folder, and every
    row in benchmarks/README.md) shows exactly what benchmarks/results
    holds, rendered by `model_zoo.py table --update` on a clone without
    work dirs."""
    import model_zoo
    assert len(model_zoo.PAGES) == 4
    for page in model_zoo.PAGES:
        with open(osp.join(REPO, page)) as f:
            text = f.read()
        assert '<!-- zoo:machine -->\nMachine: ' in text, page
        assert (rendered / page).read_text() == text, page


def test_train_times_name_the_machine_when_rows_ran_on_several():
    from zoo_tables import render_tables
    rows = [_row('ucr-ecg200-nl_r18_res5', 'ucr'),
            _row('ucr-ecg200-r18', 'ucr'),
            dict(_row('ucr-twoleadecg-r18', 'ucr'), machine='other CPU')]
    tables = render_tables(rows)
    lines = tables['ucr'].splitlines()[2:]
    # the machine most rows ran on is unmarked, the other one marked
    assert [line.count(' min |') for line in lines] == [1, 1, 0]
    assert ' min † |' in lines[2]
    assert tables['machine'] == ('Machine: test machine (unmarked train '
                                 'times); † other CPU.')
    # one machine: no marks
    assert '†' not in ''.join(render_tables(rows[:2]).values())


def test_metafiles_are_the_kept_results(rendered):
    """configs/nl1d/<dataset>/metafile.yml (what `mim search nl1d` reads)
    is what `table --update` renders from benchmarks/results."""
    from zoo_metafile import COLLECTIONS
    for dataset in COLLECTIONS:
        path = osp.join('configs', 'nl1d', dataset, 'metafile.yml')
        with open(osp.join(REPO, path)) as f:
            assert (rendered / path).read_text() == f.read(), path


def _load_model_index(root):
    """The models of ``root/model-index.yml`` with its imports resolved as
    paperswithcode's model-index resolves them (relative to the file)."""
    import yaml
    with open(osp.join(root, 'model-index.yml')) as f:
        index = yaml.safe_load(f)
    collections, models = [], []
    for path in index['Import']:
        with open(osp.join(root, path)) as f:
            meta = yaml.safe_load(f)
        collections += meta['Collections']
        models += meta['Models']
    return collections, models


def test_model_index_lists_every_released_model():
    """mim's index: every released row with results (and the hand-kept
    demo and hypotension entries), no ablation, seed rerun or fusion."""
    from zoo_rows import ROWS
    from zoo_tables import RESULTS
    collections, models = _load_model_index(REPO)
    names = [m['Name'] for m in models]
    assert len(names) == len(set(names))
    released = {n for n, r in ROWS.items() if r.get('released') and
                osp.exists(osp.join(REPO, RESULTS, f'{n}.json'))}
    assert {m['Name'] for m in models if 'Training Log' in m} == released
    assert len(released) == 24
    known = [c['Name'] for c in collections]
    assert len(known) == len(set(known)) == 5
    for model in models:
        assert model['In Collection'] in known
        assert osp.exists(osp.join(REPO, model['Config'])), model['Config']
        assert osp.exists(osp.join(REPO, model.get('Training Log', '.')))
        assert model['Results'][0]['Metrics'], model['Name']
        assert model['Metadata']['Epochs'] > 0
    ecg200 = next(m for m in models
                  if m['Name'] == 'ucr-ecg200-nl_r18_res5-wslice')
    assert ecg200['Metadata']['Architecture'] == ['ResNet1d', 'NonLocal1d']
    assert ecg200['Results'][0]['Metrics']['Accuracy'] == 92.0


def test_model_index_parses_with_model_index_library():
    modelindex = pytest.importorskip(
        'modelindex', reason='model-index comes with openmim '
        '(tools/install.sh --with-mim)')
    index = modelindex.load(osp.join(REPO, 'model-index.yml'))
    assert len(index.models) == len(_load_model_index(REPO)[1])
    assert len(index.collections) == 5


def test_setup_puts_model_index_in_the_package(tmp_path, monkeypatch):
    """A non-editable build places model-index.yml and the configs it
    imports in nl1d/.mim, where `mim search nl1d` looks."""
    import importlib.util
    import shutil
    for name in ('setup.py', 'model-index.yml'):
        shutil.copy(osp.join(REPO, name), tmp_path / name)
    import yaml
    with open(osp.join(REPO, 'model-index.yml')) as f:
        for path in yaml.safe_load(f)['Import']:
            (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(osp.join(REPO, path), tmp_path / path)
    spec = importlib.util.spec_from_file_location('nl1d_setup',
                                                  tmp_path / 'setup.py')
    setup = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(setup)
    monkeypatch.setattr(sys, 'argv', ['setup.py', 'bdist_wheel'])
    setup.add_mim_extension()
    mim = tmp_path / 'nl1d' / '.mim'
    assert (mim / 'model-index.yml').is_file()
    _, models = _load_model_index(str(mim))
    assert len(models) == len(_load_model_index(REPO)[1])


def test_failed_training_segment_keeps_its_time(tmp_path):
    import zoo_run
    timing = tmp_path / 'train_seconds.json'
    timing.write_text('{"seconds": 100.0}')  # an earlier segment
    cmd = ['-c', 'import time; time.sleep(0.3); raise SystemExit(3)']
    with pytest.raises(RuntimeError, match='failed'):
        zoo_run._train(cmd, str(tmp_path / 'log'), None, str(timing))
    seconds = json.loads(timing.read_text())['seconds']
    assert 100.3 <= seconds < 110


def test_interrupted_json_write_leaves_the_previous_file_whole(
        tmp_path, monkeypatch):
    import zoo_run
    timing = tmp_path / 'train_seconds.json'
    timing.write_text('{"seconds": 100.0}')

    def interrupted_dump(obj, f, **kwargs):
        f.write('{"seco')  # a KeyboardInterrupt in the middle of the write
        raise KeyboardInterrupt

    monkeypatch.setattr(zoo_run.json, 'dump', interrupted_dump)
    with pytest.raises(KeyboardInterrupt):
        zoo_run._write_json(str(timing), dict(seconds=200.0))
    assert json.loads(timing.read_text()) == dict(seconds=100.0)
    monkeypatch.undo()
    zoo_run._write_json(str(timing), dict(seconds=200.0))
    assert json.loads(timing.read_text()) == dict(seconds=200.0)


def _alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie waiting to be reaped does not)."""
    try:
        with open(f'/proc/{pid}/stat') as f:
            return f.read().rsplit(')', 1)[1].split()[0] != 'Z'
    except FileNotFoundError:
        return False


@pytest.mark.skipif(not osp.isdir('/proc'), reason='needs /proc')
def test_sigterm_to_the_driver_keeps_time_and_stops_the_workers(tmp_path):
    timing, worker_pid = tmp_path / 'train_seconds.json', tmp_path / 'pid'
    # the training step starts a worker of its own, like a DataLoader's
    step = ('import subprocess, sys, time; '
            'w = subprocess.Popen([sys.executable, "-c", '
            '"import time; time.sleep(60)"]); '
            f'open({str(worker_pid)!r}, "w").write(str(w.pid)); '
            'time.sleep(60)')
    driver = (
        'import signal, sys\n'
        f'sys.path.insert(0, {BENCHMARKS!r})\n'
        'import zoo_run\n'
        'signal.signal(signal.SIGTERM, zoo_run.raise_exit)\n'
        f'zoo_run._train(["-c", {step!r}], '
        f'{str(tmp_path / "log")!r}, None, {str(timing)!r})\n')
    proc = subprocess.Popen([sys.executable, '-c', driver], cwd=REPO,
                            env=tool_env(REPO))
    for _ in range(100):  # until the step has started its worker
        if worker_pid.exists() and worker_pid.read_text():
            break
        time.sleep(0.1)
    worker = int(worker_pid.read_text())
    assert _alive(worker)
    time.sleep(1)
    proc.terminate()
    assert proc.wait(timeout=30) == 128 + 15
    seconds = json.loads(timing.read_text())['seconds']
    assert 1 <= seconds < 30
    for _ in range(50):  # the worker is stopped with the step
        if not _alive(worker):
            break
        time.sleep(0.1)
    assert not _alive(worker)


def test_steps_keep_the_callers_pythonpath(tmp_path, monkeypatch):
    """A step finds the repository first and, after it, whatever the caller
    put on PYTHONPATH (packages installed with ``pip --target``, say)."""
    import zoo_run
    extra = str(tmp_path / 'site')
    monkeypatch.setenv('PYTHONPATH', extra)
    log = tmp_path / 'step.log'
    zoo_run._run(['-c', 'import os; print(os.environ["PYTHONPATH"])'],
                   str(log), None)
    assert log.read_text().split() == [f'{REPO}{os.pathsep}{extra}']


def test_window_length_of_a_fraction_is_that_of_the_first_test_record(
        tmp_path):
    """FLOPs are measured on one test window: a fraction of each record
    (window slicing) or a whole record is measured at the first test
    record's window length, a length in samples as given."""
    from mmengine import Config
    from zoo_run import _window_length
    (tmp_path / 'test.txt').write_text('signals/a.npy 720 0\n')

    def cfg(clip_len):
        pipeline = [dict(type='LoadSignal'),
                    dict(type='SampleWindows', clip_len=clip_len,
                         num_clips=1 if clip_len is None else 5,
                         test_mode=True)]
        return Config(dict(test_dataloader=dict(dataset=dict(
            data_root=str(tmp_path), ann_file='test.txt',
            pipeline=pipeline))))

    assert _window_length(cfg(0.9)) == 648
    assert _window_length(cfg(None)) == 720
    assert _window_length(cfg(300)) == 300
