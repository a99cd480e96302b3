# Copyright (c) nl1d contributors. All rights reserved.
"""nl1d.evaluation.rr_baseline (tools/analysis/rr_baseline.py): the R-peak
detector and the RR features on synthetic ECG-like signals with known beat
times, and the baseline end to end (train -> validation threshold -> test)
on a tiny generated dataset."""
import json
import os.path as osp

import numpy as np
import pytest

import nl1d  # noqa: F401
from nl1d.datasets.annotation import format_line, write_annotation
from nl1d.evaluation import rr_baseline
from nl1d.evaluation.baseline_eval import baseline_parser, report
from nl1d.evaluation.results import load_results
from nl1d.runtime.cli import load_config

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
RATE = 100
FEATURE = {name: i for i, name in enumerate(rr_baseline.FEATURE_NAMES)}


def beat_times(seconds, irregular, rng):
    """Beat times (s): 75 bpm regular, or RR uniform in 0.4-1.2 s (AF-like,
    irregularly irregular)."""
    times, t = [], 0.5
    while t < seconds - 0.5:
        times.append(t)
        t += rng.uniform(0.4, 1.2) if irregular else 0.8
    return np.array(times)


def ecg(times, seconds, rng, noise=0.02):
    """An ECG-like lead: a narrow QRS spike (R up, small Q and S) at each
    beat, a broad T wave 0.25 s later, baseline wander and noise."""
    t = np.arange(int(seconds * RATE)) / RATE
    x = 0.3 * np.sin(2 * np.pi * 0.2 * t) + rng.normal(0, noise, t.size)
    for b in times:
        x += np.exp(-0.5 * ((t - b) / 0.012)**2)
        x -= 0.2 * np.exp(-0.5 * ((t - b + 0.03) / 0.01)**2)
        x -= 0.25 * np.exp(-0.5 * ((t - b - 0.03) / 0.01)**2)
        x += 0.3 * np.exp(-0.5 * ((t - b - 0.25) / 0.05)**2)
    return x


def _matched(peaks, times, tolerance=2):
    """Every beat found within ``tolerance`` samples, nothing else."""
    expected = np.round(times * RATE).astype(int)
    assert len(peaks) == len(expected)
    assert np.max(np.abs(peaks - expected)) <= tolerance


@pytest.mark.parametrize('irregular', [False, True])
def test_peaks_at_the_known_beats(irregular):
    rng = np.random.default_rng(1)
    times = beat_times(30, irregular, rng)
    peaks = rr_baseline.detect_r_peaks(ecg(times, 30, rng), RATE)
    _matched(peaks, times)


def test_inverted_lead_gives_the_same_peaks():
    rng = np.random.default_rng(2)
    times = beat_times(30, True, rng)
    signal = ecg(times, 30, rng)
    up = rr_baseline.detect_r_peaks(signal, RATE)
    down = rr_baseline.detect_r_peaks(-signal, RATE)
    _matched(down, times)
    assert np.max(np.abs(up - down)) <= 2


def test_regular_rhythm_has_near_zero_irregularity():
    rng = np.random.default_rng(3)
    times = beat_times(30, False, rng)
    peaks = rr_baseline.detect_r_peaks(ecg(times, 30, rng), RATE)
    f = rr_baseline.rr_features(peaks, RATE)
    assert f[FEATURE['cv_rr']] < 0.02
    assert f[FEATURE['rmssd_rr']] < 0.03
    assert f[FEATURE['pnn50']] == 0
    assert f[FEATURE['median_drr']] < 0.02
    assert f[FEATURE['p90_drr']] < 0.03
    assert f[FEATURE['mean_rr']] == pytest.approx(0.8, abs=0.01)
    assert f[FEATURE['num_beats']] == len(times)


def test_irregular_rhythm_has_high_irregularity():
    rng = np.random.default_rng(4)
    times = beat_times(30, True, rng)
    peaks = rr_baseline.detect_r_peaks(ecg(times, 30, rng), RATE)
    f = rr_baseline.rr_features(peaks, RATE)
    # RR uniform in [0.4, 1.2] s: cv = 0.23 / 0.8 ~ 0.29
    assert f[FEATURE['cv_rr']] > 0.15
    assert f[FEATURE['rmssd_rr']] > 0.2
    assert f[FEATURE['pnn50']] > 0.6
    assert f[FEATURE['median_drr']] > 0.1
    assert f[FEATURE['p90_drr']] > 0.4


def test_features_against_hand_computed_rr():
    peaks = np.array([0, 80, 160, 260, 330])  # RR 0.8 0.8 1.0 0.7 s
    f = rr_baseline.rr_features(peaks, RATE)
    rr = np.array([0.8, 0.8, 1.0, 0.7])
    drr = np.array([0.0, 0.2, 0.3])
    np.testing.assert_allclose(f, [
        rr.std() / rr.mean(),
        np.sqrt(np.mean(drr**2)) / rr.mean(), 2 / 3, 0.2 / 0.8,
        np.percentile(drr, 90) / rr.mean(),
        rr.mean(), 5
    ])


@pytest.mark.parametrize('signal', [
    np.zeros(3000),  # flat
    np.ones(3000) * 5,  # flat, offset
    np.random.default_rng(0).normal(size=10),  # too short to filter
    np.full(3000, np.nan),  # no data
    np.sin(2 * np.pi * np.arange(250) / 100 * 1.2),  # 2.5 s: < 4 beats
])
def test_short_or_flat_records_get_finite_defaults(signal):
    peaks = rr_baseline.detect_r_peaks(signal, RATE)
    assert len(peaks) < rr_baseline.MIN_BEATS
    f = rr_baseline.rr_features(peaks, RATE)
    assert f.shape == (len(rr_baseline.FEATURE_NAMES), )
    assert np.all(np.isfinite(f))
    assert np.all(f[:5] == rr_baseline.UNMEASURED)
    assert f[FEATURE['num_beats']] == len(peaks)


def test_rate_too_low_for_the_band_pass():
    with pytest.raises(ValueError, match='sampling rate above 30'):
        rr_baseline.detect_r_peaks(np.zeros(1000), 25)


CONFIG = """
default_scope = 'mmaction'
custom_imports = dict(imports=['nl1d'], allow_failed_imports=False)
records = dict(type='SignalDataset', data_root={root!r}, num_classes=2,
               sampling_rate={rate}, pipeline=[])
train_dataloader = dict(dataset=dict(ann_file='train.txt', **records))
val_dataloader = dict(
    dataset=dict(ann_file='val.txt', test_mode=True, **records))
test_dataloader = dict(
    dataset=dict(ann_file='test.txt', test_mode=True, **records))
val_evaluator = [dict(type='AUCMetric'), dict(type='ThresholdMetric')]
test_evaluator = [
    dict(type='AUCMetric', n_bootstrap=50),
    dict(type='ThresholdMetric', frozen=True, n_bootstrap=50),
    dict(type='DumpResults', out_file_path='never_written.pkl')
]
"""


@pytest.fixture(scope='module')
def tiny_af(tmp_path_factory):
    """Regular (0) and irregular (1) records of 12-20 s, amplitudes varied,
    a few inverted; train 60 (the trees split no leaf below 20 records),
    val 10, test 12; and a config."""
    root = tmp_path_factory.mktemp('tiny_af')
    (root / 'signals').mkdir()
    rng = np.random.default_rng(0)
    for split, count in (('train', 60), ('val', 10), ('test', 12)):
        lines = []
        for i in range(count):
            label = i % 2
            seconds = rng.uniform(12, 20)
            x = ecg(beat_times(seconds, bool(label), rng), seconds, rng)
            x *= rng.uniform(0.5, 2) * (-1 if i % 5 == 4 else 1)
            rel = f'signals/{split}_{i:02d}.npy'
            np.save(root / rel, x[None].astype(np.float32))  # (1, L)
            lines.append(format_line(rel, x.size, label))
        write_annotation(str(root / f'{split}.txt'), lines)
    config = root / 'rr_config.py'
    config.write_text(CONFIG.format(root=str(root), rate=RATE))
    return root, config


def test_end_to_end_on_a_tiny_dataset(tiny_af, tmp_path):
    root, config = tiny_af
    dump, out = tmp_path / 'result.json', tmp_path / 'metrics.json'
    val_dump = tmp_path / 'val_result.pkl'  # the pickle format still works
    metrics, samples = rr_baseline.run(
        load_config(str(config)), val_dump=str(val_dump))
    report(metrics, samples, 'RR baseline', str(dump), str(out))
    for key in ('auc/auroc', 'auc/auprc', 'auc/prevalence',
                'auc/auroc_ci_low', 'auc/auroc_ci_high', 'thr_acc/threshold',
                'thr_acc/sensitivity', 'thr_acc/specificity',
                'thr_acc/sensitivity_ci_low'):
        assert key in metrics
    # Regular vs irregular rhythm is what the features measure.
    assert metrics['auc/auroc'] > 0.9
    assert metrics['auc/prevalence'] == pytest.approx(0.5)
    # frozen=True at test: the threshold can only come from validation.
    assert 0 < metrics['thr_acc/threshold'] < 1
    assert json.loads(out.read_text()) == pytest.approx(metrics)
    assert json.loads(dump.read_text())['format'] == 'nl1d-results'
    samples = load_results(str(dump))
    test_files = (root / 'test.txt').read_text().split('\n')
    assert len(samples) == len([line for line in test_files if line])
    for sample in samples:
        assert sample['pred_score'].shape == (2, )
        assert int(sample['gt_label'][0]) in (0, 1)
        assert set(rr_baseline.FEATURE_NAMES) <= set(sample)
    # DumpResults of the config is skipped: --dump writes the predictions.
    assert not osp.exists('never_written.pkl')
    # --val-dump: the validation records' predictions, in val.txt's order
    # (a score fusion chooses its weights and thresholds on them)
    val_samples = load_results(str(val_dump))
    val_lines = [line for line in (root / 'val.txt').read_text().split('\n')
                 if line]
    assert [osp.basename(s['filename']) for s in val_samples] == \
        [osp.basename(line.split()[0]) for line in val_lines]
    assert all(s['pred_score'].shape == (2, ) for s in val_samples)


def test_val_dump_without_a_scored_validation_split_is_refused(
        tiny_af, tmp_path):
    _, config = tiny_af
    with pytest.raises(ValueError, match='--val-dump .*no validation split'):
        rr_baseline.run(
            load_config(str(config), {'val_evaluator': None}),
            val_dump=str(tmp_path / 'v.pkl'))


def test_a_dump_of_an_unknown_format_is_refused_before_scoring(
        tiny_af, capsys):
    _, config = tiny_af
    with pytest.raises(SystemExit):
        baseline_parser('rr').parse_args(
            [str(config), '--dump', 'result.txt'])
    assert 'result.txt: a result file must end with .json' in \
        capsys.readouterr().err
