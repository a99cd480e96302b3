# Copyright (c) nl1d contributors. All rights reserved.
"""The converters of tools/data/ (nl1d.datasets.ucr, .cinc2017, .apnea_ecg),
and the dataset configs on their output.

Real-data tests read the shared data next to the repository
(``../shared/data`` from its root, or ``$NL1D_SHARED_DATA``) and skip when it
is absent; each converts a small subset into a temporary directory.
"""
import os
import os.path as osp
from pathlib import Path

import numpy as np
import pytest
from mmengine.config import Config
from mmengine.registry import init_default_scope

import nl1d  # noqa: F401  (registers the datasets and transforms)
from nl1d.datasets import apnea_ecg, cinc2017, ucr

ROOT = Path(__file__).resolve().parents[2]
SHARED = Path(
    os.environ.get('NL1D_SHARED_DATA', ROOT.parent / 'shared' / 'data'))
CINC = SHARED / 'cinc2017-af'
UCR = SHARED / 'ucr'
APNEA = SHARED / 'apnea-ecg'

init_default_scope('mmaction')


def _needs(path):
    return pytest.mark.skipif(
        not path.is_dir(), reason=f'{path} (shared data) is absent')


def _read(ann):
    return [line.split() for line in Path(ann).read_text().splitlines()]


def _config_sample(config, data_dir, split='test', ann=None):
    """Build a config's dataset on ``data_dir`` and return one sample."""
    from mmaction.registry import DATASETS
    cfg = Config.fromfile(str(ROOT / 'configs' / 'nl1d' / config))
    dataset_cfg = cfg[f'{split}_dataloader']['dataset']
    name = ann or osp.basename(dataset_cfg['ann_file'])
    dataset_cfg.update(
        data_root=None,
        ann_file=str(data_dir / name),
        data_prefix=dict(signal=str(data_dir)))
    dataset = DATASETS.build(dataset_cfg)
    return cfg, dataset, dataset[0]


@_needs(CINC)
def test_cinc2017(tmp_path):
    from scipy.signal import resample_poly
    import wfdb
    lines = cinc2017.convert(str(CINC), str(tmp_path), rate=100, limit=12)
    reference = dict(
        line.split(',') for line in
        (CINC / 'REFERENCE-v3.csv').read_text().split())
    af, four = {}, {}
    for split in ('train', 'val', 'test'):
        for path, length, label in _read(tmp_path / f'{split}.txt'):
            af[path] = (split, int(length), int(label))
        for path, length, label in _read(tmp_path / f'{split}_4cls.txt'):
            four[path] = int(label)
    assert len(af) == 12 and set(four) == set(af)
    assert sum(map(len, lines.values())) == 24
    for path, (split, length, label) in af.items():
        record = Path(path).stem
        number = int(record[1:])
        assert split == ('test' if number % 5 == 0 else
                         'val' if number % 10 == 1 else 'train')
        assert label == int(reference[record] == 'A')
        assert four[path] == dict(N=0, A=1, O=2).get(reference[record], 3)
        signal = np.load(tmp_path / path)
        assert signal.dtype == np.float32 and signal.shape == (1, length)
    # A00001 is 9000 samples at 300 Hz: 3000 at 100 Hz, filtered as scipy.
    raw = wfdb.rdrecord(str(CINC / 'training2017' / 'A00001')).p_signal.T
    np.testing.assert_allclose(
        np.load(tmp_path / 'signals/A00001.npy'),
        resample_poly(raw, 1, 3, axis=-1), rtol=1e-5, atol=1e-6)

    # class names of both label sets, read by the dataset
    assert (tmp_path / 'classes.txt').read_text() == '0 rest\n1 AF\n'
    assert (tmp_path / 'classes_4cls.txt').read_text() == (
        '0 normal\n1 AF\n2 other rhythm\n3 noisy\n')

    cfg, dataset, sample = _config_sample(
        'cinc2017/nl_r18_res5_1xb32-20e_cinc2017-af-20s.py', tmp_path)
    assert sample['inputs'].shape == (5, 1, 2000)  # 5 windows of 20 s
    assert dataset.metainfo['classes'] == ('rest', 'AF')
    # The per-window z-score of the config's test pipeline.
    np.testing.assert_allclose(sample['inputs'].mean(-1), 0, atol=1e-5)
    _, _, sample = _config_sample(
        'cinc2017/nl_r18_res5_1xb32-20e_cinc2017-af-20s.py', tmp_path,
        split='train')
    assert sample['inputs'].shape == (1, 1, 2000)


def test_cinc2017_missing_source(tmp_path):
    with pytest.raises(FileNotFoundError, match='training2017'):
        cinc2017.convert(str(tmp_path), str(tmp_path / 'out'))


@_needs(UCR)
def test_ucr_housetwenty(tmp_path):
    ucr.convert(str(UCR), 'HouseTwenty', str(tmp_path), limit=20)
    train, val, test = (_read(tmp_path / f'{s}.txt')
                        for s in ('train', 'val', 'test'))
    assert (len(train), len(val), len(test)) == (16, 4, 20)
    names = {Path(p).stem for p, _, _ in train + val}
    assert names == {f'HouseTwenty_TRAIN_{i:04d}' for i in range(20)}
    assert (tmp_path / 'classes.txt').read_text() == '0 1\n1 2\n'
    rows = np.loadtxt(UCR / 'HouseTwenty' / 'HouseTwenty_TEST.tsv',
                      delimiter='\t', max_rows=20)
    for (path, length, label), row in zip(test, rows):
        assert int(length) == 2000 and int(label) == int(row[0]) - 1
        np.testing.assert_array_equal(np.load(tmp_path / path)[0],
                                      row[1:].astype(np.float32))
    # the archive's whole train split, for the published protocol
    assert sorted(_read(tmp_path / 'trainval.txt')) == sorted(train + val)
    _, _, sample = _config_sample(
        'ucr/nl_r18_res5_1xb16-500e-wslice_ucr-housetwenty.py', tmp_path,
        split='train')
    assert sample['inputs'].shape == (1, 1, 1800)  # a 90% window slice


def test_ucr_variable_length_and_nan(tmp_path):
    src = tmp_path / 'src' / 'Toy'
    src.mkdir(parents=True)
    (src / 'Toy_TRAIN.tsv').write_text(
        ''.join(f'{c}\t1\t2\t3\t4\n' for c in (-1, 1, -1, 1, -1, 1)))
    (src / 'Toy_TEST.tsv').write_text('1\t1\tNaN\t3\tNaN\tNaN\n'
                                      '-1\t5\t6\t7\t8\t9\n')
    out = tmp_path / 'out'
    ucr.convert(str(tmp_path / 'src'), 'Toy', str(out), val_fraction=0.3)
    test = _read(out / 'test.txt')
    assert test[0][1:] == ['3', '1'] and test[1][1:] == ['5', '0']
    assert np.load(out / test[0][0]).tolist() == [[1, 2, 3]]
    val_labels = sorted(int(label) for _, _, label in _read(out / 'val.txt'))
    assert val_labels == [0, 1]  # stratified
    assert (out / 'classes.txt').read_text() == '0 -1\n1 1\n'


@_needs(APNEA)
def test_apnea_ecg_rr(tmp_path):
    import wfdb
    lines = apnea_ecg.convert(
        str(APNEA), str(tmp_path), signal='rr', records='a01,a05,x01')
    train, val, test = (_read(tmp_path / f'{s}.txt')
                        for s in ('train', 'val', 'test'))
    assert {Path(p).parent.name for p, _, _ in train} == {'a01'}
    assert {Path(p).parent.name for p, _, _ in val} == {'a05'}
    assert {Path(p).parent.name for p, _, _ in test} == {'x01'}
    apn = wfdb.rdann(str(APNEA / 'a01'), 'apn')
    assert [int(label) for _, _, label in train] == [
        int(s == 'A') for s in apn.symbol]
    answers = (APNEA / 'answers' / 'event-2-answers').read_text()
    x01 = answers.split('x02')[0].split()[1:]
    assert ''.join('NA'[int(label)] for _, _, label in test) == \
        ''.join(x01[1::2])
    # Minute 100 of a01: RR intervals of its beats, at 4 Hz over 5 minutes.
    signal = np.load(tmp_path / 'signals/a01/m0100.npy')
    assert signal.shape == (1, 1200) and train[100][1] == '1200'
    beats = wfdb.rdann(str(APNEA / 'a01'), 'qrs').sample / 100
    rr, times = np.diff(beats), beats[1:]
    keep = (rr >= 0.3) & (rr <= 2.0)
    grid = 98 * 60 + np.arange(1200) / 4
    np.testing.assert_allclose(signal[0], np.interp(grid, times[keep],
                                                    rr[keep]), rtol=1e-6)
    assert sum(map(len, lines.values())) == len(train) + len(val) + len(test)
    assert (tmp_path / 'classes.txt').read_text() == '0 normal\n1 apnea\n'
    _, dataset, sample = _config_sample(
        'apnea_ecg/nl_r18_res5_1xb64-30e_apnea-ecg-rr.py', tmp_path)
    assert sample['inputs'].shape == (1, 1, 1200)
    assert dataset.metainfo['classes'] == ('normal', 'apnea')


@_needs(APNEA)
def test_apnea_ecg_without_dat(tmp_path):
    with pytest.raises(FileNotFoundError, match='--signal rr'):
        apnea_ecg.convert(str(APNEA), str(tmp_path), records='a01')


def test_apnea_ecg_windows_from_dat(tmp_path):
    import wfdb
    src = tmp_path / 'src'
    src.mkdir()
    minutes = 4
    ecg = np.sin(np.arange(minutes * 6000 + 37) / 10)[:, None]
    cwd = os.getcwd()
    try:  # wfdb writes into the working directory
        os.chdir(src)
        wfdb.wrsamp('a01', fs=100, units=['mV'], sig_name=['ECG'],
                    p_signal=ecg, fmt=['16'], adc_gain=[200], baseline=[0])
        wfdb.wrann('a01', 'apn', np.arange(minutes) * 6000,
                   symbol=['N', 'A', 'A', 'N'])
    finally:
        os.chdir(cwd)
    (src / 'answers').mkdir()
    (src / 'answers' / 'event-2-answers').write_text('')
    out = tmp_path / 'out'
    apnea_ecg.convert(str(src), str(out), context=1)
    train = _read(out / 'train.txt')
    assert [label for _, _, label in train] == ['0', '1', '1', '0']
    stored = wfdb.rdrecord(str(src / 'a01')).p_signal[:, 0]
    padded = np.concatenate([np.zeros(6000), stored, np.zeros(12000)])
    for minute, (path, length, _) in enumerate(train):
        window = np.load(out / path)
        assert window.shape == (1, 18000) and length == '18000'
        np.testing.assert_allclose(
            window[0], padded[minute * 6000:minute * 6000 + 18000],
            rtol=1e-6)
