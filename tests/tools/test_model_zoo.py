# Copyright (c) nl1d contributors. All rights reserved.
"""tools/benchmarks/model_zoo.py: the quick mode runs a row end to end; the
tables render from row.json files (run here, else committed in
configs/nl1d/results) and replace the README's zoo blocks."""
import json
import os
import os.path as osp
import subprocess
import sys
import time

import pytest

from tests.tools.tiny_signal_utils import REPO, tool_env

SHARED = osp.join(osp.dirname(REPO), 'shared', 'data')
sys.path.insert(0, osp.join(REPO, 'tools', 'benchmarks'))


@pytest.mark.skipif(
    not osp.isdir(osp.join(SHARED, 'ucr', 'ECG200')),
    reason='../shared/data/ucr is not here')
def test_quick_row_end_to_end(tmp_path):
    cmd = [sys.executable, 'tools/benchmarks/model_zoo.py', 'run',
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
            _row('seed-cinc2017-af-20s-nl_r34_res3', 'seed')]
    tables = render_tables(rows)
    assert '| ECG200 | NL R18 (res5) | 90.0 [85.0, 95.0] | 87.4 | +2.6 | ' \
        '93.0 (InceptionTime) |' in tables['ucr']
    seed = tables['seed'].splitlines()
    assert seed[3].startswith('| R34 | not run | not run | 0.970<br>')
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
                      '<!-- zoo:seed -->\n<!-- /zoo:seed -->\nc\n')
    update_readme(str(readme), tables)
    text = readme.read_text()
    assert 'old' not in text and tables['ucr'] in text and 'kept' in text
    # an empty block (adjacent markers) is filled too, and stays one block
    assert f'<!-- zoo:seed -->\n{tables["seed"]}\n<!-- /zoo:seed -->\nc\n' \
        in text
    update_readme(str(readme), tables)
    assert readme.read_text() == text


def test_ablation_lines_sit_under_the_row_they_change():
    from zoo_tables import render_tables
    rows = [_row('cinc2017-rhythms-20s-nl_r18_res5', 'cinc2017'),
            _row('seed-cinc2017-af-20s-nl_r18_res5', 'seed', depth=18),
            _row('ablation-cinc2017-rhythms-20s-1xb32-40e', 'ablation'),
            _row('ablation-cinc2017-af-20s-1xb32-20e-classweight',
                 'ablation'),
            _row('apnea-ecg-rr-nl_r18_res5', 'apnea')]
    lines = render_tables(rows)['ablation'].splitlines()[2:]
    # the 40-epoch ablation's `base` is the four-rhythm row; the class
    # weights pair by dataset and model with the 20-s seed row
    assert '**20-s windows, 20 epochs, trained on the four rhythms** (base)' \
        in lines[0] and 'cinc2017-rhythms-20s-nl_r18_res5' in lines[0]
    assert '40 epochs' in lines[1]
    assert 'trained on AF vs the rest** (base)' in lines[2] and \
        'seed-cinc2017-af-20s-nl_r18_res5' in lines[2]
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
    assert f'[log 2](logs/{base}-seed2.json)' in line
    # a seed not run yet names its command and leaves the mean out
    rows[2] = dict(rows[2], not_run=True)
    line = render_tables(rows)['ucr-seed'].splitlines()[2]
    assert f'not run yet (`model_zoo.py run {base}-seed2`) | - | 71.2 | - |' \
        in line and 'log 2' not in line


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
        '| Computers | R18 | 80.4 [85.0, 95.0] | 80.6 | -0.2 | 81.9 (FCN) |')
    assert 'ucr/r18_1xb16-500e-wslice_ucr-computers.py' in wslice[0]
    line = tables['ucr-seed'].splitlines()[2]
    assert line.startswith('| Computers | R18, window slicing | 80.4 / 81.2 '
                           '/ 80.0 | 80.5 ± 0.6 | 80.6 | -0.1 | ')
    assert f'[log 0](logs/{base}.json)' in line
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
    assert lines[0].startswith('| PigArtPressure | NL R18 (res5) | **') \
        and 'logs/ucr-pigartpressure-nl_r18_res5.json' in lines[0]
    assert '| NL R18 (res5) | ImageNet stem' in lines[1]
    assert lines[2].startswith('| PigArtPressure | R18 | **') and \
        'logs/ucr-pigartpressure-r18.json' in lines[2]
    assert '| R18 | ImageNet stem' in lines[3] and \
        'ablations/r18_1xb16-500e-imagenet-stem_ucr-pigartpressure.py' \
        in lines[3]


def test_fusion_row_dumps_members_on_validation_and_fuses(
        tmp_path, monkeypatch):
    """Finished members (row.json, result.pkl) are not rerun; each gets a
    validation dump from tools/test.py (stubbed: it writes scores) with its
    test pipeline on val.txt; fuse_scores.py runs for real."""
    import mmengine
    import numpy as np

    import model_zoo
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
    real_run, tested = model_zoo._run, []

    def fake_test(cmd, log, threads):
        if cmd[0] != 'tools/test.py':
            return real_run(cmd, log, threads)
        tested.append(cmd)
        member = osp.basename(cmd[cmd.index('--work-dir') + 1])
        mmengine.dump(samples('val', 0.01 * (member == 'm1')),
                      cmd[cmd.index('--dump') + 1])

    monkeypatch.setattr(model_zoo, '_run', fake_test)
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


def test_baseline_member_and_fusion_options(tmp_path, monkeypatch):
    """A baseline row (no network) dumps its test and validation scores
    with its tool; a fusion row passes its ``fusion`` options to
    fuse_scores.py (run for real), which chooses the weights on the
    validation dumps."""
    import mmengine
    import numpy as np

    import model_zoo
    from nl1d.evaluation.baseline_eval import binary_samples
    from tests.tools.tiny_signal_utils import EVAL_CONFIG, write_tiny_dataset
    from zoo_tables import render_tables
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
    monkeypatch.setattr(model_zoo, 'prepare', lambda *a: None)
    real_run, commands = model_zoo._run, []

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

    monkeypatch.setattr(model_zoo, '_run', fake_run)
    model_zoo.main(['run', 'both', '--work-root', str(work_root)])
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
        '[tool](../../tools/analysis/rr_baseline.py)' in line


def test_logs_are_copied_for_finished_rows_only(tmp_path, monkeypatch):
    import model_zoo
    monkeypatch.setattr(model_zoo, 'ROWS', {'done': {}, 'running': {}})
    for name in ('done', 'running'):
        for run in ('20260101_000000', '20260102_000000'):
            vis = tmp_path / 'zoo' / name / run / 'vis_data'
            vis.mkdir(parents=True)
            (vis / 'scalars.json').write_text(f'{{"run": "{run}"}}\n')
    (tmp_path / 'zoo' / 'done' / 'row.json').write_text('{}')
    model_zoo.copy_logs(str(tmp_path / 'zoo'), str(tmp_path / 'logs'))
    assert sorted(p.name for p in (tmp_path / 'logs').iterdir()) == \
        ['done.json']
    # every run of the row (an interrupted one resumed), oldest first
    assert (tmp_path / 'logs' / 'done.json').read_text() == \
        '{"run": "20260101_000000"}\n{"run": "20260102_000000"}\n'


def test_results_are_published_and_read_back(tmp_path, monkeypatch):
    import model_zoo
    monkeypatch.setattr(model_zoo, 'ROWS',
                        {'here': {}, 'committed': {}, 'quick': {}})
    zoo, results = tmp_path / 'zoo', tmp_path / 'results'
    for name, body in (('here', {'v': 'fresh'}),
                       ('quick', {'v': 'q', 'quick': True})):
        (zoo / name).mkdir(parents=True)
        (zoo / name / 'row.json').write_text(json.dumps(body))
    results.mkdir()
    (results / 'committed.json').write_text('{"v": "committed"}')
    (results / 'here.json').write_text('{"v": "stale"}')
    model_zoo.copy_results(str(zoo), str(results))
    # a --quick row is never published; a fresh row replaces its old one
    assert sorted(p.name for p in results.iterdir()) == \
        ['committed.json', 'here.json']
    assert json.loads((results / 'here.json').read_text()) == {'v': 'fresh'}
    load = model_zoo.load_result
    assert load('committed', str(zoo), str(results)) == {'v': 'committed'}
    assert load('here', str(zoo), str(results)) == {'v': 'fresh'}
    assert load('missing', str(zoo), str(results)) is None


@pytest.fixture(scope='module')
def rendered(tmp_path_factory):
    """`model_zoo.py table --update` run once, on a copy of
    configs/nl1d/README.md, from configs/nl1d/results only (as on a clone
    without work dirs); the folder holding the README and metafile.yml."""
    import model_zoo
    out = tmp_path_factory.mktemp('rendered')
    copy = out / 'README.md'
    copy.write_text(open(osp.join(REPO, 'configs', 'nl1d',
                                  'README.md')).read())
    model_zoo.main([
        'table', '--work-root', str(out / 'none'), '--results',
        osp.join(REPO, model_zoo.RESULTS), '--update', str(copy)
    ])
    return out


def test_readme_tables_are_the_committed_results(rendered):
    """configs/nl1d/README.md shows exactly what configs/nl1d/results holds
    (rendered by `model_zoo.py table`), on a clone without work dirs."""
    readme = osp.join(REPO, 'configs', 'nl1d', 'README.md')
    assert (rendered / 'README.md').read_text() == open(readme).read()


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


def test_metafile_is_the_committed_results(rendered):
    """configs/nl1d/metafile.yml (what `mim search nl1d` reads) is what
    `table --update` renders from configs/nl1d/results."""
    committed = osp.join(REPO, 'configs', 'nl1d', 'metafile.yml')
    assert (rendered / 'metafile.yml').read_text() == open(committed).read()


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


def test_model_index_lists_every_finished_model():
    from zoo_rows import ROWS
    collections, models = _load_model_index(REPO)
    names = [m['Name'] for m in models]
    assert len(names) == len(set(names))
    finished = {n for n, r in ROWS.items() if osp.exists(osp.join(
        REPO, 'configs', 'nl1d', 'results', f'{n}.json'))
                and r['group'] != 'ablation' and 'members' not in r
                and 'baseline' not in r}  # models only: no fusions
    assert set(names) == finished
    known = {c['Name'] for c in collections}
    for model in models:
        assert model['In Collection'] in known
        assert osp.exists(osp.join(REPO, model['Config'])), model['Config']
        assert osp.exists(osp.join(REPO, model['Training Log']))
        assert model['Results'][0]['Metrics'], model['Name']
        assert model['Metadata']['Epochs'] > 0
    ecg200 = next(m for m in models if m['Name'] == 'ucr-ecg200-nl_r18_res5')
    assert ecg200['Metadata']['Architecture'] == ['ResNet1d', 'NonLocal1d']
    assert ecg200['Results'][0]['Metrics']['Accuracy'] == 92.0


def test_model_index_parses_with_model_index_library():
    modelindex = pytest.importorskip(
        'modelindex', reason='model-index comes with openmim '
        '(tools/install.sh --with-mim)')
    index = modelindex.load(osp.join(REPO, 'model-index.yml'))
    assert len(index.models) == len(_load_model_index(REPO)[1])
    assert {c.name for c in index.collections} >= {'NonLocal1d'}


def test_setup_puts_model_index_in_the_package(tmp_path, monkeypatch):
    """A non-editable build places model-index.yml and the configs it
    imports in nl1d/.mim, where `mim search nl1d` looks."""
    import importlib.util
    import shutil
    for name in ('setup.py', 'model-index.yml'):
        shutil.copy(osp.join(REPO, name), tmp_path / name)
    (tmp_path / 'configs' / 'nl1d').mkdir(parents=True)
    shutil.copy(osp.join(REPO, 'configs', 'nl1d', 'metafile.yml'),
                tmp_path / 'configs' / 'nl1d' / 'metafile.yml')
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
    import model_zoo
    timing = tmp_path / 'train_seconds.json'
    timing.write_text('{"seconds": 100.0}')  # an earlier segment
    cmd = ['-c', 'import time; time.sleep(0.3); raise SystemExit(3)']
    with pytest.raises(RuntimeError, match='failed'):
        model_zoo._train(cmd, str(tmp_path / 'log'), None, str(timing))
    seconds = json.loads(timing.read_text())['seconds']
    assert 100.3 <= seconds < 110


def test_interrupted_json_write_leaves_the_previous_file_whole(
        tmp_path, monkeypatch):
    import model_zoo
    timing = tmp_path / 'train_seconds.json'
    timing.write_text('{"seconds": 100.0}')

    def interrupted_dump(obj, f, **kwargs):
        f.write('{"seco')  # a KeyboardInterrupt in the middle of the write
        raise KeyboardInterrupt

    monkeypatch.setattr(model_zoo.json, 'dump', interrupted_dump)
    with pytest.raises(KeyboardInterrupt):
        model_zoo._write_json(str(timing), dict(seconds=200.0))
    assert json.loads(timing.read_text()) == dict(seconds=100.0)
    monkeypatch.undo()
    model_zoo._write_json(str(timing), dict(seconds=200.0))
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
        f'sys.path.insert(0, {osp.join(REPO, "tools", "benchmarks")!r})\n'
        'import model_zoo\n'
        'signal.signal(signal.SIGTERM, model_zoo._raise_exit)\n'
        f'model_zoo._train(["-c", {step!r}], '
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
    import model_zoo
    extra = str(tmp_path / 'site')
    monkeypatch.setenv('PYTHONPATH', extra)
    log = tmp_path / 'step.log'
    model_zoo._run(['-c', 'import os; print(os.environ["PYTHONPATH"])'],
                   str(log), None)
    assert log.read_text().split() == [f'{REPO}{os.pathsep}{extra}']


def test_window_length_of_a_fraction_is_that_of_the_first_test_record(
        tmp_path):
    """FLOPs are measured on one test window: a fraction of each record
    (window slicing) or a whole record is measured at the first test
    record's window length, a length in samples as given."""
    from mmengine import Config
    from model_zoo import _window_length
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
