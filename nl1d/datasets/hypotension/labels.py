# Copyright (c) nl1d contributors. All rights reserved.
"""The hypotension label definition, on an arterial pressure waveform.

Pure numpy, no I/O: ``convert.py`` feeds it resampled recordings, the tests
feed it hand-made pressure traces. Times are in seconds from the start of
the recording; the mean arterial pressure (MAP) is evaluated once per
second.

Definition (every number is a field of :class:`LabelConfig`, and an option
of ``convert.py``):

1. **MAP trace.** MAP at second ``k`` is the mean pressure over
   ``map_window`` seconds centred on that second (2 s: at least one whole
   beat above 30 beats/min). A second is *valid* when that stretch has no
   NaN, its MAP lies in ``[map_min, map_max]`` and the waveform moves during
   the second (peak-to-peak >= ``flat_tol``). Invalid seconds are unknown
   pressure: a disconnected line reads ~0 mmHg, which must not count as
   hypotension.
2. **Event.** A hypotensive event is a run of at least ``min_duration``
   consecutive valid seconds with MAP < ``threshold`` (65 mmHg for 60 s).
   It starts at its first second and ends after its last. An invalid second
   ends a run. A run still going when the recording ends but shorter than
   ``min_duration`` may or may not become an event: the future after its
   start is unknown.
3. **Windows.** Windows of ``window`` seconds start every ``stride``
   seconds; a window covers ``[t0, t1)`` with ``t1 = t0 + window``. Each
   window is labelled or excluded, the first matching rule deciding:

   - ``in_event``: the window overlaps an event;
   - ``post_event``: it starts less than ``post_event`` seconds after an
     event ended (the patient is being treated; pressure is recovering);
   - artefact checks on the window's own samples, in this order:
     ``nan`` (any missing sample), ``flat`` (a stretch of ``flat_seconds``
     with peak-to-peak < ``flat_tol``: a flat line), ``map_range`` (a 1-s
     mean outside ``[map_min, map_max]``: flush, zeroing, disconnection),
     ``pulse_pressure`` (the median peak-to-peak of its 2-s stretches
     < ``min_pulse_pressure``: damped or disconnected line);
   - **positive** (1) if an event starts in ``[t1, t1 + horizon)``;
   - ``censored``: the recording (or what is known of it, see 2.) ends
     before ``t1 + horizon``, so a negative label cannot be confirmed;
   - **negative** (0) otherwise.

Examples:
    >>> cfg = LabelConfig(horizon=300)
    >>> abp = ...  # (T,) mmHg at 100 Hz
    >>> result = label_recording(abp, rate=100, window=20, stride=20,
    ...                          cfg=cfg)
    >>> result.labels  # 1, 0, or -1 (excluded, reason in result.reasons)
"""
from dataclasses import asdict, dataclass, field
from typing import Dict, List, Optional, Tuple

import numpy as np
from scipy.ndimage import maximum_filter1d, minimum_filter1d

#: Exclusion reasons, in the order the rules are checked.
EXCLUSION_REASONS = ('in_event', 'post_event', 'nan', 'flat', 'map_range',
                     'pulse_pressure', 'censored')
#: Seconds per stretch over which the window's pulse pressure is measured.
PP_SECONDS = 2


@dataclass
class LabelConfig:
    """Parameters of the label definition (see the module docstring).

    Args:
        threshold (float): MAP below which a second is hypotensive, mmHg.
            Defaults to 65.
        min_duration (int): Seconds MAP must stay below ``threshold`` for
            an event. Defaults to 60.
        horizon (int): Seconds after the window's end in which an event
            must start for a positive label. Defaults to 300 (5 min).
        post_event (int): Seconds after an event's end during which windows
            are excluded. Defaults to 300.
        map_window (float): Seconds averaged for each second's MAP.
            Defaults to 2.
        map_min (float): Lowest plausible MAP, mmHg. Defaults to 20.
        map_max (float): Highest plausible MAP, mmHg. Defaults to 200.
        min_pulse_pressure (float): Lowest plausible pulse pressure of a
            window, mmHg. Defaults to 20.
        flat_seconds (float): Length of a flat stretch that rejects a
            window. Defaults to 2.
        flat_tol (float): Peak-to-peak below which a stretch is flat, mmHg.
            Defaults to 1.
    """
    threshold: float = 65.0
    min_duration: int = 60
    horizon: int = 300
    post_event: int = 300
    map_window: float = 2.0
    map_min: float = 20.0
    map_max: float = 200.0
    min_pulse_pressure: float = 20.0
    flat_seconds: float = 2.0
    flat_tol: float = 1.0

    def __post_init__(self) -> None:
        checks = [
            (self.threshold > 0, 'threshold must be > 0 mmHg'),
            (self.min_duration >= 1, 'min_duration must be >= 1 s'),
            (self.horizon >= 1, 'horizon must be >= 1 s'),
            (self.post_event >= 0, 'post_event must be >= 0 s'),
            (self.map_window > 0, 'map_window must be > 0 s'),
            (0 <= self.map_min < self.threshold < self.map_max,
             'need 0 <= map_min < threshold < map_max'),
            (self.min_pulse_pressure >= 0, 'min_pulse_pressure must be >= 0'),
            (self.flat_seconds > 0, 'flat_seconds must be > 0 s'),
            (self.flat_tol >= 0, 'flat_tol must be >= 0 mmHg'),
        ]
        for ok, message in checks:
            if not ok:
                raise ValueError(f'LabelConfig: {message} (got '
                                 f'{asdict(self)}).')


@dataclass
class RecordingLabels:
    """Labels of one recording's windows and what they were derived from.

    Attributes:
        starts (np.ndarray): (W,) window start, seconds.
        labels (np.ndarray): (W,) int8: 1 positive, 0 negative, -1 excluded.
        reasons (list[str]): (W,) exclusion reason, ``''`` when labelled.
        window_map (np.ndarray): (W,) mean pressure of each window, mmHg
            (NaN when the window has missing samples).
        window_pp (np.ndarray): (W,) pulse pressure of each window, mmHg.
        to_event (np.ndarray): (W,) seconds from the window's end to the
            start of the next event, NaN when none follows.
        events (list[tuple[int, int]]): ``(start, end)`` seconds of every
            event.
        known_until (int): Second up to which the event record is complete.
        map_1s (np.ndarray): (S,) MAP per second, NaN where unknown.
        valid_1s (np.ndarray): (S,) bool validity per second.
    """
    starts: np.ndarray
    labels: np.ndarray
    reasons: List[str]
    window_map: np.ndarray
    window_pp: np.ndarray
    to_event: np.ndarray
    events: List[Tuple[int, int]]
    known_until: int
    map_1s: np.ndarray
    valid_1s: np.ndarray
    counts: Dict[str, int] = field(default_factory=dict)


def _check_rate(rate: int) -> int:
    if int(rate) != rate or rate < 1:
        raise ValueError(f'rate must be a positive whole number of Hz, got '
                         f'{rate}: resample the recording first.')
    return int(rate)


def map_per_second(abp: np.ndarray, rate: int,
                   map_window: float = 2.0) -> np.ndarray:
    """MAP of every whole second: the mean over ``map_window`` seconds
    centred on it, NaN when that stretch holds a NaN.

    Args:
        abp (np.ndarray): (T,) pressure, mmHg.
        rate (int): Sampling rate, Hz.
        map_window (float): Averaged seconds. Defaults to 2.

    Returns:
        np.ndarray: (T // rate,) float64 MAP.
    """
    rate = _check_rate(rate)
    abp = np.asarray(abp, dtype=np.float64)
    num_seconds = len(abp) // rate
    centres = (np.arange(num_seconds) + 0.5) * rate
    half = map_window * rate / 2
    lo = np.clip(np.round(centres - half), 0, len(abp)).astype(np.int64)
    hi = np.clip(np.round(centres + half), 0, len(abp)).astype(np.int64)
    finite = np.isfinite(abp)
    total = np.concatenate([[0.0], np.cumsum(np.where(finite, abp, 0.0))])
    missing = np.concatenate([[0], np.cumsum(~finite)])
    with np.errstate(invalid='ignore', divide='ignore'):
        means = (total[hi] - total[lo]) / (hi - lo)
    means[(missing[hi] - missing[lo]) > 0] = np.nan
    return means


def valid_seconds(abp: np.ndarray, rate: int, map_1s: np.ndarray,
                  cfg: LabelConfig) -> np.ndarray:
    """Which seconds carry a trustworthy MAP (see the module docstring).

    Args:
        abp (np.ndarray): (T,) pressure, mmHg.
        rate (int): Sampling rate, Hz.
        map_1s (np.ndarray): (S,) from :func:`map_per_second`.
        cfg (LabelConfig): The definition.

    Returns:
        np.ndarray: (S,) bool.
    """
    rate = _check_rate(rate)
    seconds = np.asarray(abp, dtype=np.float64)[:len(map_1s) * rate]
    seconds = seconds.reshape(len(map_1s), rate)  # (S, rate)
    with np.errstate(invalid='ignore'):
        moving = np.ptp(seconds, axis=1) >= cfg.flat_tol  # NaN -> False
        in_range = (map_1s >= cfg.map_min) & (map_1s <= cfg.map_max)
    return np.isfinite(map_1s) & in_range & moving


def _runs(mask: np.ndarray) -> List[Tuple[int, int]]:
    """``(start, end)`` of each run of True in a 1-D bool array."""
    padded = np.concatenate([[False], mask, [False]]).astype(np.int8)
    edges = np.flatnonzero(np.diff(padded))
    return list(zip(edges[0::2].tolist(), edges[1::2].tolist()))


def find_events(map_1s: np.ndarray, valid: np.ndarray,
                cfg: LabelConfig) -> Tuple[List[Tuple[int, int]], int]:
    """Hypotensive events of a MAP trace.

    Args:
        map_1s (np.ndarray): (S,) MAP per second, mmHg.
        valid (np.ndarray): (S,) validity per second.
        cfg (LabelConfig): The definition.

    Returns:
        tuple: ``events``, a list of ``(start, end)`` seconds (end
        exclusive), and ``known_until``, the second up to which the event
        record is complete: ``S``, or the start of a run below the
        threshold that reaches the end of the recording before lasting
        ``min_duration``.
    """
    with np.errstate(invalid='ignore'):
        low = valid & (map_1s < cfg.threshold)
    runs = _runs(low)
    events = [(s, e) for s, e in runs if e - s >= cfg.min_duration]
    known_until = len(map_1s)
    if runs and runs[-1][1] == len(map_1s) and \
            runs[-1][1] - runs[-1][0] < cfg.min_duration:
        known_until = runs[-1][0]
    return events, known_until


def window_artefact(window: np.ndarray, rate: int,
                    cfg: LabelConfig) -> Optional[str]:
    """The first artefact check a window fails, or None.

    Args:
        window (np.ndarray): (L,) pressure, mmHg, ``L`` a multiple of
            ``rate``.
        rate (int): Sampling rate, Hz.
        cfg (LabelConfig): The definition.

    Returns:
        str | None: ``'nan'``, ``'flat'``, ``'map_range'``,
        ``'pulse_pressure'`` or None.
    """
    window = np.asarray(window, dtype=np.float64)
    if not np.isfinite(window).all():
        return 'nan'
    span = max(int(round(cfg.flat_seconds * rate)), 2)
    if span <= len(window):
        ptp = maximum_filter1d(window, span) - minimum_filter1d(window, span)
        # The filters are centred: keep the positions whose whole stretch
        # lies inside the window.
        inner = ptp[span // 2:len(window) - (span - 1 - span // 2)]
        if inner.size and inner.min() < cfg.flat_tol:
            return 'flat'
    seconds = window[:len(window) // rate * rate].reshape(-1, rate)
    means = seconds.mean(axis=1)
    if (means < cfg.map_min).any() or (means > cfg.map_max).any():
        return 'map_range'
    if pulse_pressure(window, rate) < cfg.min_pulse_pressure:
        return 'pulse_pressure'
    return None


def pulse_pressure(window: np.ndarray, rate: int) -> float:
    """Median peak-to-peak over the window's 2-s stretches, mmHg: about
    systolic minus diastolic pressure, robust to a stray beat."""
    stretch = PP_SECONDS * rate
    usable = len(window) // stretch * stretch
    if usable == 0:
        return float(np.ptp(window))
    chunks = np.asarray(window[:usable], dtype=np.float64).reshape(-1, stretch)
    return float(np.median(np.ptp(chunks, axis=1)))


def label_recording(abp: np.ndarray, rate: int, window: int, stride: int,
                    cfg: LabelConfig) -> RecordingLabels:
    """Label every window of one recording.

    Args:
        abp (np.ndarray): (T,) arterial pressure, mmHg, NaN where missing.
        rate (int): Sampling rate, Hz.
        window (int): Window length, seconds.
        stride (int): Seconds between window starts.
        cfg (LabelConfig): The definition.

    Returns:
        RecordingLabels: One entry per window that fits in the recording,
        with the counts of labels and exclusion reasons in ``counts``.
    """
    rate = _check_rate(rate)
    if window < 1 or stride < 1:
        raise ValueError(f'window and stride must be >= 1 s, got {window} '
                         f'and {stride}.')
    abp = np.asarray(abp, dtype=np.float64)
    map_1s = map_per_second(abp, rate, cfg.map_window)
    valid = valid_seconds(abp, rate, map_1s, cfg)
    events, known_until = find_events(map_1s, valid, cfg)
    num_seconds = len(map_1s)
    starts = np.arange(0, num_seconds - window + 1, stride, dtype=np.int64)
    event_starts = np.array([s for s, _ in events], dtype=np.int64)

    labels = np.full(len(starts), -1, dtype=np.int8)
    reasons = [''] * len(starts)
    window_map = np.full(len(starts), np.nan)
    window_pp = np.full(len(starts), np.nan)
    to_event = np.full(len(starts), np.nan)
    counts = {reason: 0 for reason in EXCLUSION_REASONS}
    counts.update(positive=0, negative=0)
    for i, t0 in enumerate(starts.tolist()):
        t1 = t0 + window
        samples = abp[t0 * rate:t1 * rate]
        if np.isfinite(samples).all():
            window_map[i] = samples.mean()
            window_pp[i] = pulse_pressure(samples, rate)
        upcoming = event_starts[event_starts >= t1]
        if upcoming.size:
            to_event[i] = upcoming.min() - t1
        reason = None
        if any(s < t1 and t0 < e for s, e in events):
            reason = 'in_event'
        elif any(e <= t0 < e + cfg.post_event for _, e in events):
            reason = 'post_event'
        else:
            reason = window_artefact(samples, rate, cfg)
        if reason is None:
            if upcoming.size and upcoming.min() < t1 + cfg.horizon:
                labels[i] = 1
            elif t1 + cfg.horizon > known_until:
                reason = 'censored'
            else:
                labels[i] = 0
        if reason is not None:
            reasons[i] = reason
            counts[reason] += 1
        else:
            counts['positive' if labels[i] == 1 else 'negative'] += 1
    return RecordingLabels(
        starts=starts,
        labels=labels,
        reasons=reasons,
        window_map=window_map,
        window_pp=window_pp,
        to_event=to_event,
        events=events,
        known_until=known_until,
        map_1s=map_1s,
        valid_1s=valid,
        counts=counts)
