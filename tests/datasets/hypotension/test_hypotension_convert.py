# Copyright (c) nl1d contributors. All rights reserved.
"""Hypotension prediction end to end on SIMULATED recordings: the readers
(.vital written with vitaldb, WFDB single- and multi-segment, .npy, CSV),
the converter (windows, patient-level split, summary, errors), the configs,
the MAP-only baseline and convert -> train -> test."""
import csv
import json
import os.path as osp
import pickle
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from nl1d.datasets.hypotension import (ConvertConfig, convert, physiology,
                                       readers, simulate, sources, splits,
                                       windows, writers)
from nl1d.evaluation import map_baseline

ROOT = Path(__file__).resolve().parents[3]
CONFIGS = ROOT / 'configs' / 'nl1d' / 'hypotension'
SEED_CONFIG = CONFIGS / 'nl_r18_res5_1xb32-30e_hypotension.py'
RATE = 100


def pulse_wave(seconds, rate=RATE, heart_rate=72.0, mean=85.0):
    """A plain pressure waveform: a pulse-like periodic wave, mmHg."""
    t = np.arange(int(seconds * rate)) / rate
    phase = (t * heart_rate / 60) % 1
    return mean + 40 * (physiology.pulse_template(1.0)[(phase * 1000).astype(
        int)] - 0.35)


@pytest.fixture(scope='module')
def sim_dir(tmp_path_factory):
    """5 simulated patients (one with two recordings), 35-45 min at 100 Hz,
    as .vital files plus subjects.csv, and the same data as WFDB."""
    root = tmp_path_factory.mktemp('hypo_sim')
    cfg = physiology.SimConfig(rate=RATE, episodes_per_hour=(2.5, 2.5))
    cases = [('0001', 'P1'), ('0002', 'P2'), ('0003', 'P2'), ('0004', 'P3'),
             ('0005', 'P4'), ('0006', 'P5')]
    for k, (case, _) in enumerate(cases):
        abp, _ = simulate.simulate_recording([7, k], cfg, 35 * 60 + 120 * k)
        writers.write_vital(str(root / f'{case}.vital'), abp, RATE)
    with open(root / 'subjects.csv', 'w') as f:
        f.write('caseid,subjectid\n' + ''.join(f'{c},{p}\n' for c, p in cases))
    return root


@pytest.fixture(scope='module')
def converted(sim_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp('hypo_data')
    summary = convert(
        ConvertConfig(
            src=[str(sim_dir)],
            out=str(out),
            patient_map=str(sim_dir / 'subjects.csv'),
            stride=30,
            split=(0.5, 0.25, 0.25),
            seed=1))
    return out, summary


# ----------------------------------------------------------------- readers
def test_vital_roundtrip_with_gaps(tmp_path):
    abp = pulse_wave(120).astype(np.float32)
    abp[3000:3500] = np.nan
    path = str(tmp_path / 'case.vital')
    writers.write_vital(path, abp, RATE)
    rec = readers.read_recording(path)
    assert rec.rate == RATE and rec.source == 'SNUADC/ART'
    np.testing.assert_array_equal(np.isnan(rec.signal), np.isnan(abp))
    np.testing.assert_allclose(rec.signal[:3000], abp[:3000], atol=1e-4)
    # A track name without its device matches any device.
    assert readers.read_recording(path, tracks=['ART']).source == 'SNUADC/ART'


def test_vital_without_pressure_track_names_file_and_fix(tmp_path):
    path = str(tmp_path / 'ecg_only.vital')
    writers.write_vital(path, pulse_wave(60), RATE, track='SNUADC/ECG_II')
    with pytest.raises(readers.MissingTrackError) as e:
        readers.read_recording(path)
    assert 'ecg_only.vital' in str(e.value)
    assert 'SNUADC/ECG_II' in str(e.value) and '--track' in str(e.value)


@pytest.mark.parametrize('segments', [1, 3])
def test_wfdb_single_and_multi_segment(tmp_path, segments):
    abp = pulse_wave(90)
    abp[2000:2100] = np.nan
    writers.write_wfdb(str(tmp_path / 'rec'), abp, RATE, segments=segments)
    rec = readers.read_recording(str(tmp_path / 'rec.hea'))
    assert rec.rate == RATE and rec.source == 'ABP' and len(rec.signal) == \
        len(abp)
    np.testing.assert_array_equal(np.isnan(rec.signal), np.isnan(abp))
    np.testing.assert_allclose(rec.signal, abp, atol=0.006, equal_nan=True)
    if segments > 1:  # segment headers are not recordings of their own
        found = sources.find_recordings([str(tmp_path)])
        assert [osp.basename(p) for p, _ in found] == ['rec.hea']
    with pytest.raises(readers.MissingTrackError, match='--channel'):
        readers.read_recording(str(tmp_path / 'rec.hea'), channels=['ART'])


def test_npy_and_csv(tmp_path):
    abp = pulse_wave(60, rate=125)
    np.save(tmp_path / 'a.npy', abp.astype(np.float32))
    with pytest.raises(readers.RecordingError, match='--input-rate'):
        readers.read_recording(str(tmp_path / 'a.npy'))
    rec = readers.read_recording(str(tmp_path / 'a.npy'), input_rate=125)
    assert rec.rate == 125 and rec.signal.shape == abp.shape
    t = np.arange(len(abp)) / 125
    with open(tmp_path / 'a.csv', 'w') as f:
        f.write('Time,SNUADC/ART\n')
        f.writelines(f'{a:.3f},{b:.3f}\n' for a, b in zip(t, abp))
    rec = readers.read_recording(str(tmp_path / 'a.csv'))
    assert rec.rate == pytest.approx(125) and rec.source == 'SNUADC/ART'


def test_wrong_rate_is_refused(tmp_path):
    np.save(tmp_path / 'a.npy', pulse_wave(300).astype(np.float32))
    # 100-Hz samples declared as 500 Hz: a pulse of ~14/min.
    with pytest.raises(readers.RecordingError) as e:
        readers.read_recording(str(tmp_path / 'a.npy'), input_rate=500)
    assert 'a.npy' in str(e.value) and 'sampling rate is probably wrong' in \
        str(e.value) and '--input-rate' in str(e.value)
    path = str(tmp_path / 'b.vital')
    writers.write_vital(path, pulse_wave(60), RATE)
    with pytest.raises(readers.RecordingError, match='drop --input-rate'):
        readers.read_recording(path, input_rate=250)


def test_resample_keeps_gaps_and_waveform():
    abp = pulse_wave(30, rate=500)
    abp[5000:6000] = np.nan
    out = windows.resample(abp, 500, 100)
    assert len(out) == len(abp) // 5
    gap = np.isnan(out)
    assert gap[1000:1200].all() and not gap[:980].any() and \
        not gap[1220:].any()
    np.testing.assert_allclose(out[100:900], abp[500:4500:5], atol=1.5)


# --------------------------------------------------------------- converter
def test_converter_outputs(converted):
    out, summary = converted
    lines = {s: (out / f'{s}.txt').read_text().split('\n')[:-1]
             for s in ('train', 'val', 'test')}
    groups = dict(line.split() for line in
                  (out / 'patients.txt').read_text().splitlines())
    total = 0
    for split, split_lines in lines.items():
        assert split_lines, split
        for line in split_lines:
            path, num, label = line.split()
            assert int(num) == 2000 and label in ('0', '1')
            x = np.load(out / path)
            assert x.shape == (1, 2000) and x.dtype == np.float32
            assert np.isfinite(x).all()
            assert path in groups
        total += len(split_lines)
    assert total == len(groups) == summary['positive'] + summary['negative']
    assert summary['positive'] > 0
    # The summary's counts add up, and agree with summary.json.
    assert summary['windows'] == total + sum(summary['excluded'].values())
    assert json.loads((out / 'summary.json').read_text()) == json.loads(
        json.dumps(summary))
    assert sum(s['windows'] for s in summary['splits'].values()) == total
    # windows.csv: one row per written window, MAP of the window itself.
    with open(out / 'windows.csv') as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == total
    row = rows[0]
    assert float(row['map']) == pytest.approx(
        float(np.load(out / row['path']).mean()), abs=0.01)
    # class names, for the logs, dumps and plots
    assert (out / 'classes.txt').read_text() == '0 no event\n1 hypotension\n'


def test_patient_level_split_without_leakage(converted):
    out, summary = converted
    with open(out / 'windows.csv') as f:
        rows = list(csv.DictReader(f))
    split_of_patient = {}
    for row in rows:
        split_of_patient.setdefault(row['patient'], set()).add(row['split'])
    assert all(len(s) == 1 for s in split_of_patient.values())
    # P2's two recordings (0002, 0003) are together, via subjects.csv.
    assert {r['recording'] for r in rows if r['patient'] == 'P2'} == {
        '0002', '0003'}
    for split in ('train', 'val', 'test'):
        paths = set((out / f'{split}.txt').read_text().split()[0::3])
        assert paths == {r['path'] for r in rows if r['split'] == split}
    patients = [v['patients'] for v in summary['splits'].values()]
    assert sum(patients) == 5 and min(patients) >= 1


def test_split_is_stratified_and_seeded():
    has_pos = {f'P{i}': i % 3 == 0 for i in range(30)}
    a = splits.split_patients(has_pos, (0.6, 0.2, 0.2), seed=0)
    assert a == splits.split_patients(has_pos, (0.6, 0.2, 0.2), seed=0)
    assert a != splits.split_patients(has_pos, (0.6, 0.2, 0.2), seed=1)
    for split, n_pos, n_all in (('train', 6, 18), ('val', 2, 6),
                                ('test', 2, 6)):
        members = [p for p, s in a.items() if s == split]
        assert len(members) == n_all
        assert sum(has_pos[p] for p in members) == n_pos


def test_progress_off_a_terminal_prints_a_few_lines(converted, sim_dir,
                                                    tmp_path, capsys):
    convert(
        ConvertConfig(
            src=[str(sim_dir / '0001.vital'),
                 str(sim_dir / '0002.vital')],
            out=str(tmp_path),
            split=(1, 0, 0)))
    out = capsys.readouterr().out
    progress = [line for line in out.splitlines()
                if line.startswith('convert: ')]
    assert 2 <= len(progress) <= 5 and '\r' not in out
    assert progress[-1].startswith('convert: 2/2 (100%)')
    for reason in ('in_event', 'post_event', 'nan', 'flat', 'map_range',
                   'pulse_pressure', 'censored'):
        assert f'  {reason}' in out
    assert 'class_weight=' in out


def test_missing_track_stops_or_is_skipped(sim_dir, tmp_path):
    src = tmp_path / 'src'
    src.mkdir()
    (src / '0001.vital').write_bytes((sim_dir / '0001.vital').read_bytes())
    writers.write_vital(str(src / 'ecg.vital'), pulse_wave(60), RATE,
                        track='SNUADC/ECG_II')
    args = dict(src=[str(src)], out=str(tmp_path / 'out'), split=(1, 0, 0))
    with pytest.raises(readers.MissingTrackError, match='ecg.vital'):
        convert(ConvertConfig(**args))
    summary = convert(ConvertConfig(**args, skip_missing=True))
    assert summary['skipped'] == 1 and summary['recordings'] == 2


def test_empty_result_explains(tmp_path):
    src = tmp_path / 'src'
    src.mkdir()
    # A pressure in kPa (mmHg / 7.5): every window fails the MAP range.
    writers.write_vital(str(src / 'kpa.vital'), pulse_wave(900) / 7.5, RATE)
    with pytest.raises(RuntimeError) as e:
        convert(ConvertConfig(src=[str(src)], out=str(tmp_path / 'out')))
    assert 'no window written' in str(e.value)
    assert 'map_range' in str(e.value) and 'mmHg' in str(e.value)
    with pytest.raises(FileNotFoundError, match='--formats npy'):
        convert(
            ConvertConfig(
                src=[str(tmp_path / 'out')], out=str(tmp_path / 'o2')))


# ------------------------------------------------------ configs, baseline
def _cfg_on(data_dir, config=SEED_CONFIG):
    from mmengine.config import Config
    cfg = Config.fromfile(str(config))
    for split in ('train', 'val', 'test'):
        cfg[f'{split}_dataloader']['dataset']['data_root'] = str(data_dir)
        cfg[f'{split}_dataloader']['num_workers'] = 0
        cfg[f'{split}_dataloader']['persistent_workers'] = False
    for metric in cfg.test_evaluator:
        metric['group_file'] = str(data_dir / 'patients.txt')
        metric['n_bootstrap'] = 200
    return cfg


def test_every_hypotension_config_builds():
    import torch
    from mmaction.registry import MODELS
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    init_default_scope('mmaction')
    configs = sorted(CONFIGS.glob('*.py'))
    assert configs  # the released recipes and the demo
    for path in configs:
        cfg = Config.fromfile(str(path))
        assert cfg.model.data_preprocessor.mean == [80.0]
        assert cfg.model.cls_head.loss_cls.class_weight[0] == 1.0
        assert cfg.default_hooks.checkpoint.save_best == 'auc/auroc'
        assert not any(t['type'] == 'ZScoreNormalize'
                       for t in cfg.train_pipeline)
        name = path.name
        depth = int(name.split('_')[1 if name.startswith('nl') else 0][1:])
        assert cfg.model.backbone.depth == depth
        has_neck = cfg.model.get('neck') is not None
        assert has_neck == ('_res5_' in name), name
        in_backbone = cfg.model.backbone.get('non_local')
        if '_res2_' in name or '_res3_' in name or '_res4_' in name:
            stage = int(name.split('_res')[1][0]) - 2
            assert in_backbone[stage] != 0
            assert sum(in_backbone[stage]) == 1
    from mmaction.structures import ActionDataSample
    model = MODELS.build(Config.fromfile(str(SEED_CONFIG)).model).eval()
    inputs = [torch.randn(1, 1, 2000) * 20 + 80 for _ in range(2)]  # mmHg
    with torch.no_grad():
        out = model.test_step(
            dict(inputs=inputs, data_samples=[ActionDataSample()] * 2))
    assert out[0].pred_score.shape == (2, )
    # The preprocessor scales with fixed constants: (x - 80) / 40.
    batch = model.data_preprocessor(
        dict(inputs=inputs, data_samples=None))['inputs']
    torch.testing.assert_close(batch[0], (inputs[0] - 80) / 40)


def test_map_baseline_matches_sklearn(converted):
    from sklearn.metrics import average_precision_score, roc_auc_score
    out, _ = converted
    metrics, samples = map_baseline.run(_cfg_on(out))
    labels = np.array([int(s['gt_label'][0]) for s in samples])
    maps = np.array([s['map'] for s in samples])
    assert metrics['auc/auroc'] == pytest.approx(roc_auc_score(labels, -maps))
    assert metrics['auc/auprc'] == pytest.approx(
        average_precision_score(labels, -maps))
    assert metrics['auc/auroc_ci_low'] <= metrics['auc/auroc'] <= \
        metrics['auc/auroc_ci_high']
    # The threshold was chosen on validation, then frozen.
    assert 0 < metrics['thr_acc/threshold'] < 1
    line = map_baseline.format_metrics(metrics, len(samples))
    assert line.startswith(f'Epoch(test) [{len(samples)}/{len(samples)}]    '
                           'auc/auroc: ')


@pytest.mark.slow
def test_convert_train_test_end_to_end(sim_dir, converted, tmp_path):
    """tools/data/hypotension/convert.py on three recordings with events
    (one patient per split, a window a minute), tools/train.py with the
    config as written (two epochs), tools/test.py --dump, and the MAP
    baseline on the same test split."""
    with open(converted[0] / 'windows.csv') as f:
        rows = list(csv.DictReader(f))
    with_events = {}
    for row in rows:
        if row['label'] == '1':
            with_events.setdefault(row['patient'], row['recording'])
    recordings = sorted(with_events.values())[:3]
    assert len(recordings) == 3
    env = dict(__import__('os').environ, OMP_NUM_THREADS='1')

    def run(args):
        proc = subprocess.run([sys.executable] + args, cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=900)
        assert proc.returncode == 0, (proc.stdout + proc.stderr)[-5000:]
        return proc.stdout + proc.stderr

    out = tmp_path / 'data'
    run([str(ROOT / 'tools' / 'data' / 'hypotension' / 'convert.py'),
         '--src'] + [str(sim_dir / f'{c}.vital') for c in recordings] +
        ['--out', str(out), '--stride', '60', '--split', '1', '1', '1'])
    summary = json.loads((out / 'summary.json').read_text())
    assert all(s['positive'] for s in summary['splits'].values())
    work = tmp_path / 'work'
    data = [f'{s}_dataloader.dataset.data_root={out}'
            for s in ('train', 'val', 'test')]
    # Two epochs: the schedule's cosine starts after one epoch of warm-up.
    small = [
        'train_cfg.max_epochs=2', 'train_dataloader.batch_size=16',
        'train_dataloader.num_workers=0', 'val_dataloader.num_workers=0',
        'test_dataloader.num_workers=0', 'val_dataloader.persistent_workers='
        'False', 'test_dataloader.persistent_workers=False',
        f'test_evaluator.0.group_file={out}/patients.txt',
        f'test_evaluator.1.group_file={out}/patients.txt',
        'test_evaluator.0.n_bootstrap=100', 'test_evaluator.1.n_bootstrap=100'
    ]
    run([str(ROOT / 'tools' / 'train.py'), str(SEED_CONFIG), '--work-dir',
         str(work), '--amp', '--seed', '0', '--cfg-options'] + data + small)
    best = sorted(work.glob('best_auc_auroc_epoch_*.pth'))
    assert best, 'the best checkpoint by validation AUROC'
    log = run([str(ROOT / 'tools' / 'test.py'), str(SEED_CONFIG), str(best[0]),
               '--work-dir', str(work), '--dump', str(work / 'result.pkl'),
               '--cfg-options'] + data + small)
    assert 'bootstrap resamples of groups' in log
    assert 'chosen on validation' in log
    with open(work / 'result.pkl', 'rb') as f:
        results = pickle.load(f)
    assert len(results) == len((out / 'test.txt').read_text().splitlines())
    base = run([str(ROOT / 'tools' / 'analysis' / 'map_baseline.py'),
                str(SEED_CONFIG), '--out', str(work / 'map.json'),
                '--cfg-options'] + data + small[-4:])
    assert 'MAP baseline: Epoch(test) [' in base
    assert 'auc/auroc' in json.loads((work / 'map.json').read_text())


def test_unusable_settings_are_refused_with_the_option_to_fix():
    cfg = ConvertConfig(src=['x'], out='y', rate=10, workers=0)
    problems = cfg.problems()
    assert len(problems) == 2
    assert '--rate 10 Hz is too low' in problems[0]
    assert '--workers' in problems[1]
    with pytest.raises(ValueError, match='--rate 10 Hz'):
        convert(cfg)
