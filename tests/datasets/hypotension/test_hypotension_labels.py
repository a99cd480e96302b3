# Copyright (c) nl1d contributors. All rights reserved.
"""The hypotension label definition (nl1d.datasets.hypotension.labels) on
hand-made pressure traces whose MAP is known second by second."""
import numpy as np
import pytest

from nl1d.datasets.hypotension import labels

RATE = 20  # Hz: enough for a 1-Hz pulse, fast to label


def trace(levels, pulse=40.0):
    """A pressure waveform whose mean over every whole second is exactly
    the given MAP: a 1-Hz sine of peak-to-peak ``pulse`` around it.

    Args:
        levels: ``[(seconds, map), ...]`` pieces.
    """
    per_second = np.concatenate([np.full(n, m, dtype=float)
                                 for n, m in levels])
    t = np.arange(len(per_second) * RATE) / RATE
    return np.repeat(per_second, RATE) + pulse / 2 * np.sin(2 * np.pi * t)


def cfg(**kwargs):
    # map_window=1: each second's MAP is that second's mean, so boundaries
    # fall exactly on the pieces' edges.
    return labels.LabelConfig(map_window=1.0, **kwargs)


def test_map_per_second_is_the_centred_mean():
    abp = trace([(10, 80), (10, 60)])
    np.testing.assert_allclose(
        labels.map_per_second(abp, RATE, 1.0), [80] * 10 + [60] * 10,
        atol=1e-9)
    # 2-s window centred on each second: the seconds next to the step mix.
    two = labels.map_per_second(abp, RATE, 2.0)
    assert two[5] == pytest.approx(80) and two[15] == pytest.approx(60)
    assert 60 < two[9] < 80 and 60 < two[10] < 80
    gap = abp.copy()
    gap[3 * RATE + 5] = np.nan
    assert np.isnan(labels.map_per_second(gap, RATE, 1.0)[3])


def test_event_needs_min_duration_below_threshold():
    c = cfg()
    for below, expected in ((59, []), (60, [(300, 360)]), (61, [(300, 361)])):
        abp = trace([(300, 80), (below, 60), (300, 80)])
        map_1s = labels.map_per_second(abp, RATE, 1.0)
        events, _ = labels.find_events(
            map_1s, labels.valid_seconds(abp, RATE, map_1s, c), c)
        assert events == expected, below
    # 65 itself is not hypotension ("MAP < 65").
    abp = trace([(300, 80), (120, 65), (300, 80)])
    assert labels.label_recording(abp, RATE, 20, 20, c).events == []


def test_invalid_seconds_are_not_hypotension_and_break_runs():
    c = cfg()
    # A disconnected line (0 mmHg, flat) for 2 minutes is not an event.
    abp = trace([(300, 80), (120, 0), (300, 80)], pulse=0.0)
    abp[:300 * RATE] = trace([(300, 80)])
    abp[420 * RATE:] = trace([(300, 80)])
    assert labels.label_recording(abp, RATE, 20, 20, c).events == []
    # 50 s + 5 s of zeroing + 50 s below threshold: two runs < 60 s each.
    abp = trace([(300, 80), (50, 58), (5, 0), (50, 58), (300, 80)])
    assert labels.label_recording(abp, RATE, 20, 20, c).events == []


def test_window_labels_horizon_in_event_post_event_censored():
    c = cfg(horizon=300, post_event=300)
    # Event [600, 720); the recording lasts 1920 s.
    abp = trace([(600, 80), (120, 55), (1200, 80)])
    result = labels.label_recording(abp, RATE, 20, 20, c)
    assert result.events == [(600, 720)]
    by_start = dict(zip(result.starts.tolist(), result.labels.tolist()))
    why = dict(zip(result.starts.tolist(), result.reasons))
    # Positive: the event starts within [t1, t1 + 300): t0 in 300..580.
    positives = sorted(t for t, lab in by_start.items() if lab == 1)
    assert positives == list(range(300, 600, 20))
    assert by_start[280] == 0  # ends at 300: the event starts 300 s later
    # A window ending exactly at the event's start is positive.
    assert by_start[580] == 1
    # Overlapping the event: t0 600..700.
    assert [t for t, r in why.items() if r == 'in_event'] == list(
        range(600, 720, 20))
    # Starting less than 300 s after the event's end: t0 720..1000.
    assert [t for t, r in why.items() if r == 'post_event'] == list(
        range(720, 1020, 20))
    assert by_start[1020] == 0
    # No complete 5-min follow-up: t1 + 300 > 1920, t0 1620..1900.
    assert [t for t, r in why.items() if r == 'censored'] == list(
        range(1620, 1901, 20))
    np.testing.assert_allclose(result.to_event[result.starts == 300], 280)
    counts = result.counts
    assert counts['positive'] == 15 and counts['in_event'] == 6
    assert counts['post_event'] == 15 and counts['censored'] == 15
    assert sum(counts.values()) == len(result.starts)
    assert counts['negative'] == len(result.starts) - 51


def test_longer_horizon_more_positives():
    abp = trace([(1200, 80), (120, 55), (900, 80)])
    n5 = labels.label_recording(abp, RATE, 20, 20, cfg(horizon=300))
    n15 = labels.label_recording(abp, RATE, 20, 20, cfg(horizon=900))
    assert n5.counts['positive'] == 15 and n15.counts['positive'] == 45


def test_censoring_by_a_short_run_at_the_end():
    # The recording ends 30 s into a fall below threshold: an event may be
    # starting, so windows within the horizon before it are censored.
    c = cfg(horizon=300)
    abp = trace([(900, 80), (30, 55)])
    result = labels.label_recording(abp, RATE, 20, 20, c)
    assert result.events == [] and result.known_until == 900
    why = dict(zip(result.starts.tolist(), result.reasons))
    # Follow-up [t1, t1 + 300) must end by 900 s: t0 = 580 still does.
    assert why[600] == 'censored' and why[580] == ''
    assert result.labels[result.starts.tolist().index(580)] == 0


@pytest.mark.parametrize('name, reason', [('nan', 'nan'), ('flat', 'flat'),
                                          ('flush', 'map_range'),
                                          ('zero', 'flat'),
                                          ('damped', 'pulse_pressure')])
def test_artefact_rejection(name, reason):
    c = cfg()
    abp = trace([(600, 80)])
    i0, i1 = 100 * RATE, 104 * RATE  # inside window t0=100
    if name == 'nan':
        abp[i0 + 3] = np.nan
    elif name == 'flat':
        abp[i0:i1] = 80.0
    elif name == 'flush':
        abp[i0:i1] = 300.0 + np.sin(np.arange(i1 - i0))
    elif name == 'zero':
        abp[i0:i1] = 0.0
    else:  # the whole window damped to 10 mmHg pulse pressure
        abp[100 * RATE:120 * RATE] = trace([(20, 80)], pulse=10.0)
    assert labels.window_artefact(abp[100 * RATE:120 * RATE], RATE,
                                  c) == reason
    result = labels.label_recording(abp, RATE, 20, 20, c)
    assert result.reasons[5] == reason and result.labels[5] == -1
    assert result.counts[reason] == 1
    assert labels.window_artefact(abp[200 * RATE:220 * RATE], RATE,
                                  c) is None


def test_config_is_checked():
    with pytest.raises(ValueError, match='map_min < threshold < map_max'):
        labels.LabelConfig(threshold=250)
    with pytest.raises(ValueError, match='whole number'):
        labels.map_per_second(np.zeros(100), 12.5)
