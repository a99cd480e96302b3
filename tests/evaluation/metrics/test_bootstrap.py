# Copyright (c) nl1d contributors. All rights reserved.
import numpy as np
import pytest

from nl1d.evaluation.metrics import bootstrap_ci, load_group_map, \
    record_groups


def _coverage(data_fn, truth, groups=None, experiments=200, resamples=400):
    """Fraction of experiments whose 95% CI of the mean covers the truth."""
    covered = 0
    for seed in range(experiments):
        x = data_fn(np.random.default_rng(1000 + seed))
        ci = bootstrap_ci(lambda idx: dict(mean=x[idx].mean()), len(x),
                          groups=groups, n_resamples=resamples, seed=seed)
        low, high = ci['mean']
        covered += low <= truth <= high
    return covered / experiments


def test_coverage_of_independent_records():
    """Known case: mean of 100 Bernoulli(0.3) records; the percentile CI
    covers p about 95% of the time (binomial sd of the rate over 200
    experiments is 1.5%)."""
    rate = _coverage(lambda rng: (rng.random(100) < 0.3).astype(float), 0.3)
    assert 0.90 <= rate <= 0.99


def test_grouped_resampling_keeps_coverage_where_records_lose_it():
    """20 patients x 10 records sharing a patient effect: resampling records
    ignores the correlation and under-covers; resampling patients does
    not."""
    groups = np.repeat(np.arange(20), 10)

    def data(rng):
        return rng.normal(size=20)[groups] + 0.3 * rng.normal(size=200)

    by_record = _coverage(data, 0.0, experiments=150, resamples=300)
    by_patient = _coverage(data, 0.0, groups=groups, experiments=150,
                           resamples=300)
    assert by_record < 0.6
    assert 0.85 <= by_patient <= 0.99


def test_group_resample_draws_whole_groups():
    groups = np.array(['a', 'a', 'b', 'c', 'c', 'c'])
    sizes = []

    def stat(idx):
        # every drawn group comes whole: counts per group are multiples
        for g in 'abc':
            members = np.flatnonzero(groups == g)
            counts = np.isin(idx, members).sum()
            assert counts % len(members) == 0
        sizes.append(len(idx))
        return dict(n=float(len(idx)))

    bootstrap_ci(stat, 6, groups=groups, n_resamples=50, seed=0)
    assert len(sizes) == 50 and len(set(sizes)) > 1


def test_undefined_resamples_are_skipped():
    calls = iter(range(100))

    def stat(idx):
        return dict(v=np.nan if next(calls) % 2 else 1.0)

    ci = bootstrap_ci(stat, 5, n_resamples=100)
    assert ci['v'] == (1.0, 1.0)
    ci = bootstrap_ci(lambda idx: dict(v=np.nan), 5, n_resamples=10)
    assert np.isnan(ci['v'][0]) and np.isnan(ci['v'][1])


def test_arguments_are_checked():
    with pytest.raises(ValueError, match='ci_level'):
        bootstrap_ci(lambda idx: {}, 3, level=1.5)
    with pytest.raises(ValueError, match='expected'):
        bootstrap_ci(lambda idx: {}, 3, groups=np.zeros(4))


def test_group_map_file(tmp_path):
    path = tmp_path / 'groups.txt'
    path.write_text('a/r1.npy p1\n\n# comment\nr2.npy p2\n')
    mapping = load_group_map(str(path))
    assert mapping == {'a/r1.npy': 'p1', 'r2.npy': 'p2'}
    records = [dict(filename='/root/a/r1.npy'), dict(filename='x/r2.npy')]
    assert record_groups(records, group_map=mapping).tolist() == ['p1', 'p2']
    with pytest.raises(KeyError, match='not in group_file'):
        record_groups([dict(filename='r3.npy')], group_map=mapping)
    path.write_text('r1.npy\n')
    with pytest.raises(ValueError, match='line 1'):
        load_group_map(str(path))
    with pytest.raises(FileNotFoundError):
        load_group_map(str(tmp_path / 'missing.txt'))
