# Copyright (c) nl1d contributors. All rights reserved.
"""Read an arterial pressure waveform from a recording file.

Formats, chosen by extension:

- ``.vital`` (VitalDB): read with the ``vitaldb`` package's own reader; the
  first of the candidate track names found (default ``SNUADC/ART``; a name
  without a device, e.g. ``ART``, matches any device's track of that name).
- ``.hea`` (WFDB, PhysioNet/MIMIC): single- and multi-segment records
  (segments read and joined by ``wfdb``, gaps as NaN), the first candidate
  channel found (default ``ABP``, then ``ART``).
- ``.npy``: a (T,) or (1, T) array, or (C, T) with ``channel_index``; the
  sampling rate must be given (``input_rate``).
- ``.csv``: a column named like a candidate (``ABP``, ``ART``,
  ``SNUADC/ART``...) or the only numeric column; the rate is ``input_rate``
  or, when a ``Time`` column is present (VitalDB's CSV export), its median
  step.

Every reader returns the pressure in mmHg as float64 with NaN where samples
are missing, and the file's sampling rate. Problems raise
:class:`RecordingError` naming the file and the fix.
"""
import os.path as osp
from dataclasses import dataclass
from typing import List, Optional, Sequence

import numpy as np

#: Default candidate names of the arterial pressure signal.
DEFAULT_TRACKS = ('SNUADC/ART', )
DEFAULT_CHANNELS = ('ABP', 'ART')
DEFAULT_CSV_COLUMNS = ('ABP', 'ART', 'SNUADC/ART', 'abp', 'art', 'pressure')
#: Extensions read, and the format each means.
FORMATS = {'.vital': 'vital', '.hea': 'wfdb', '.npy': 'npy', '.csv': 'csv'}
#: Plausible heart rates, beats per minute, for the rate check.
HR_RANGE = (25.0, 250.0)


class RecordingError(ValueError):
    """A recording cannot be read as an arterial pressure waveform."""


class MissingTrackError(RecordingError):
    """The recording has no arterial pressure track/channel."""


@dataclass
class Recording:
    """An arterial pressure waveform.

    Attributes:
        path (str): The file read.
        signal (np.ndarray): (T,) float64 pressure, mmHg, NaN where missing.
        rate (float): Sampling rate, Hz.
        source (str): The track, channel or column read.
        offset (float): Seconds from the start of the file to
            ``signal[0]`` (leading missing samples are trimmed).
    """
    path: str
    signal: np.ndarray
    rate: float
    source: str
    offset: float = 0.0


def format_of(path: str) -> str:
    """'vital', 'wfdb', 'npy' or 'csv' from the file's extension."""
    ext = osp.splitext(path)[1].lower()
    if ext not in FORMATS:
        raise RecordingError(
            f'{path}: unknown recording format {ext!r}; nl1d reads '
            f'{sorted(FORMATS)} (VitalDB, WFDB header, numpy, CSV).')
    return FORMATS[ext]


def _vital_track(path: str, candidates: Sequence[str]) -> str:
    """The track name to read from a .vital file (reads the header only)."""
    # vitaldb is a runtime requirement, imported here to keep imports of
    # this module cheap
    import vitaldb
    names = vitaldb.VitalFile(path, header_only=True).get_track_names()
    for candidate in candidates:
        if candidate in names:
            return candidate
        if '/' not in candidate:
            matches = [n for n in names if n.split('/')[-1] == candidate]
            if matches:
                return matches[0]
    raise MissingTrackError(
        f'{path}: no arterial pressure track among {list(candidates)}; the '
        f'file holds {names or "no tracks"}. Pass the right one with '
        '--track (e.g. --track SNUADC/ART or --track SNUADC/FEM), or '
        '--skip-missing to skip recordings without it.')


def read_vital(path: str, candidates: Sequence[str] = DEFAULT_TRACKS
               ) -> Recording:
    """Read a waveform track of a VitalDB ``.vital`` file.

    Args:
        path (str): The ``.vital`` file.
        candidates (Sequence[str]): Track names to try, in order.

    Returns:
        Recording: The track at its own sampling rate.
    """
    import vitaldb
    name = _vital_track(path, candidates)
    vf = vitaldb.VitalFile(path, track_names=[name])
    track = vf.trks.get(name) or vf.find_track(name)
    if track is None or not track.srate or track.srate <= 0:
        raise RecordingError(
            f'{path}: track {name} is a numeric track (one value every few '
            'seconds), not a waveform: pass the waveform track with --track '
            '(VitalDB: SNUADC/ART, 500 Hz).')
    unit = (track.unit or '').strip()
    if unit and unit.lower() != 'mmhg':
        raise RecordingError(
            f'{path}: track {name} is in {unit!r}, not mmHg: the label '
            'definition needs mmHg. Choose an arterial pressure track with '
            '--track.')
    rate = float(track.srate)
    signal = np.asarray(vf.get_track_samples(name, 1 / rate),
                        dtype=np.float64)
    return _trimmed(Recording(path, signal, rate, name))


def _wfdb_names(record_name: str) -> List[str]:
    """Signal names of a single- or multi-segment WFDB record."""
    import wfdb
    header = wfdb.rdheader(record_name)
    if isinstance(header, wfdb.MultiRecord):
        header = wfdb.rdheader(record_name, rd_segments=True)
        names: List[str] = []
        for segment in header.segments:
            for name in (segment.sig_name if segment is not None else []) \
                    or []:
                if name not in names:
                    names.append(name)
        return names
    return list(header.sig_name or [])


def read_wfdb(path: str, candidates: Sequence[str] = DEFAULT_CHANNELS
              ) -> Recording:
    """Read an arterial pressure channel of a WFDB record.

    Args:
        path (str): The record's ``.hea`` file (for a multi-segment record,
            the master header).
        candidates (Sequence[str]): Channel names to try, in order.

    Returns:
        Recording: The channel, segments joined (gaps NaN).
    """
    import wfdb
    record_name = osp.splitext(path)[0]
    names = _wfdb_names(record_name)
    channel = next((c for c in candidates if c in names), None)
    if channel is None:
        raise MissingTrackError(
            f'{path}: no arterial pressure channel among {list(candidates)}; '
            f'the record holds {names or "no signals"}. Pass the right one '
            'with --channel (e.g. --channel ABP or --channel ART), or '
            '--skip-missing to skip recordings without it.')
    record = wfdb.rdrecord(record_name, channel_names=[channel])
    if record.p_signal is None or record.sig_name != [channel]:
        raise RecordingError(
            f'{path}: wfdb read no samples of channel {channel}; check that '
            'the .dat files of every segment are next to the header.')
    unit = (record.units[0] if record.units else '').strip()
    if unit and unit.lower() != 'mmhg':
        raise RecordingError(
            f'{path}: channel {channel} is in {unit!r}, not mmHg: the label '
            'definition needs mmHg. Choose a pressure channel with --channel.')
    signal = np.asarray(record.p_signal[:, 0], dtype=np.float64)
    return _trimmed(Recording(path, signal, float(record.fs), channel))


def read_npy(path: str, input_rate: Optional[float],
             channel_index: Optional[int] = None) -> Recording:
    """Read a numpy array of pressure samples, mmHg.

    Args:
        path (str): The ``.npy`` file: (T,), (1, T), or (C, T) with
            ``channel_index``.
        input_rate (float, optional): Its sampling rate, Hz (required).
        channel_index (int, optional): Row of a (C, T) array. Defaults to
            None.

    Returns:
        Recording: The samples.
    """
    if not input_rate:
        raise RecordingError(
            f'{path}: a .npy file has no sampling rate: pass --input-rate '
            '(Hz).')
    try:
        array = np.load(path, mmap_mode='r', allow_pickle=False)
    except ValueError as e:
        raise RecordingError(f'{path}: not a readable .npy array ({e}); '
                             're-save it with np.save.') from e
    if array.ndim == 2 and channel_index is not None:
        if not 0 <= channel_index < array.shape[0]:
            raise RecordingError(
                f'{path}: --npy-channel {channel_index} is outside the '
                f'array\'s {array.shape[0]} rows (shape {array.shape}).')
        array = array[channel_index]
    elif array.ndim == 2 and array.shape[0] == 1:
        array = array[0]
    if array.ndim != 1:
        raise RecordingError(
            f'{path}: expected a (T,) or (1, T) pressure array, got shape '
            f'{array.shape}; pass --npy-channel ROW for a (C, T) array.')
    if not np.issubdtype(array.dtype, np.number):
        raise RecordingError(f'{path}: dtype {array.dtype} is not numeric.')
    return _trimmed(Recording(path, np.asarray(array, dtype=np.float64),
                              float(input_rate), 'array'))


def read_csv(path: str, input_rate: Optional[float],
             candidates: Sequence[str] = DEFAULT_CSV_COLUMNS) -> Recording:
    """Read a pressure column of a CSV file.

    Args:
        path (str): The CSV file, with a header line.
        input_rate (float, optional): Sampling rate, Hz; without it the
            median step of a ``Time`` column (seconds) gives it.
        candidates (Sequence[str]): Column names to try, in order.

    Returns:
        Recording: The column, empty cells NaN.
    """
    import pandas as pd
    try:
        frame = pd.read_csv(path)
    except Exception as e:  # pandas raises many parser errors
        raise RecordingError(f'{path}: not a readable CSV file ({e}).') from e
    columns = [str(c) for c in frame.columns]
    time_cols = [c for c in columns if c.lower() in ('time', 'time (s)', 't')]
    column = next((c for c in candidates if c in columns), None)
    if column is None:
        numeric = [
            c for c in columns if c not in time_cols
            and pd.api.types.is_numeric_dtype(frame[c])
        ]
        if len(numeric) == 1:
            column = numeric[0]
        else:
            raise MissingTrackError(
                f'{path}: no arterial pressure column among '
                f'{list(candidates)} and not exactly one numeric column '
                f'(columns: {columns}). Pass the column with --channel, or '
                '--skip-missing to skip recordings without it.')
    rate = input_rate
    if not rate and time_cols:
        steps = np.diff(frame[time_cols[0]].to_numpy(dtype=np.float64))
        steps = steps[np.isfinite(steps) & (steps > 0)]
        if steps.size:
            rate = float(np.round(1.0 / np.median(steps), 6))
    if not rate:
        raise RecordingError(
            f'{path}: no sampling rate: pass --input-rate (Hz), or add a '
            '`Time` column in seconds.')
    signal = pd.to_numeric(frame[column], errors='coerce').to_numpy(
        dtype=np.float64)
    return _trimmed(Recording(path, signal, float(rate), column))


def _trimmed(recording: Recording) -> Recording:
    """Drop leading and trailing missing samples (kept as ``offset``)."""
    finite = np.flatnonzero(np.isfinite(recording.signal))
    if finite.size == 0:
        raise RecordingError(
            f'{recording.path}: {recording.source} holds no finite sample '
            '(the track is empty); leave the recording out or choose '
            'another track.')
    first, last = finite[0], finite[-1] + 1
    recording.offset = first / recording.rate
    recording.signal = recording.signal[first:last]
    return recording


def estimate_heart_rate(signal: np.ndarray, rate: float,
                        segment_s: float = 20.0,
                        max_segments: int = 20) -> Optional[float]:
    """Pulse rate implied by the sampling rate, beats per minute.

    The median, over up to ``max_segments`` stretches of ``segment_s``
    seconds without missing samples, of the strongest spectral peak between
    0.1 and 15 Hz (the fundamental of the pulse wave).

    Args:
        signal (np.ndarray): (T,) pressure.
        rate (float): Claimed sampling rate, Hz.
        segment_s (float): Seconds per stretch. Defaults to 20.
        max_segments (int): Stretches used. Defaults to 20.

    Returns:
        float | None: The rate, or None without a clean stretch.
    """
    length = int(segment_s * rate)
    if length < 16 or len(signal) < length:
        return None
    starts = np.linspace(0, len(signal) - length,
                         min(max_segments * 4, len(signal) // length + 1))
    peaks = []
    for start in starts.astype(np.int64):
        chunk = signal[start:start + length]
        if not np.isfinite(chunk).all() or np.ptp(chunk) < 5:
            continue
        chunk = chunk - chunk.mean()
        power = np.abs(np.fft.rfft(chunk * np.hanning(length)))**2
        freqs = np.fft.rfftfreq(length, 1 / rate)
        band = (freqs >= 0.1) & (freqs <= min(15.0, rate / 2))
        if not band.any():
            continue
        peaks.append(freqs[band][np.argmax(power[band])])
        if len(peaks) >= max_segments:
            break
    if not peaks:
        return None
    return float(np.median(peaks) * 60)


def check_rate(recording: Recording) -> None:
    """Refuse a sampling rate that makes the pulse implausible.

    A rate k times too high shows the pulse k times too slow, and the
    reverse; the pulse must lie in 25-250 beats/min.

    Args:
        recording (Recording): The recording, at its claimed rate.
    """
    if not recording.rate or recording.rate <= 0:
        raise RecordingError(f'{recording.path}: sampling rate '
                             f'{recording.rate} Hz is not positive.')
    heart_rate = estimate_heart_rate(recording.signal, recording.rate)
    if heart_rate is None:
        return
    if not HR_RANGE[0] <= heart_rate <= HR_RANGE[1]:
        true_rate = recording.rate * 75.0 / heart_rate
        raise RecordingError(
            f'{recording.path}: at {recording.rate:g} Hz the pulse would be '
            f'{heart_rate:.0f} beats/min, outside {HR_RANGE[0]:.0f}-'
            f'{HR_RANGE[1]:.0f}: the sampling rate is probably wrong (at 75 '
            f'beats/min it would be about {true_rate:.0f} Hz). Fix '
            '--input-rate (or the rate stored in the file).')


def read_recording(path: str,
                   tracks: Sequence[str] = DEFAULT_TRACKS,
                   channels: Sequence[str] = DEFAULT_CHANNELS,
                   input_rate: Optional[float] = None,
                   npy_channel: Optional[int] = None) -> Recording:
    """Read any supported recording, checking its sampling rate.

    Args:
        path (str): The recording.
        tracks (Sequence[str]): VitalDB track names to try.
        channels (Sequence[str]): WFDB channel / CSV column names to try.
        input_rate (float, optional): Rate of ``.npy``/``.csv`` files; for
            ``.vital``/WFDB it must agree with the file's. Defaults to None.
        npy_channel (int, optional): Row of a (C, T) ``.npy``. Defaults to
            None.

    Returns:
        Recording: The waveform.
    """
    kind = format_of(path)
    if kind == 'vital':
        recording = read_vital(path, tracks)
    elif kind == 'wfdb':
        recording = read_wfdb(path, channels)
    elif kind == 'npy':
        recording = read_npy(path, input_rate, npy_channel)
    else:
        recording = read_csv(path, input_rate,
                             tuple(channels) + DEFAULT_CSV_COLUMNS)
    if kind in ('vital', 'wfdb') and input_rate and \
            abs(input_rate - recording.rate) > 1e-6:
        raise RecordingError(
            f'{path}: --input-rate {input_rate:g} Hz disagrees with the '
            f'{recording.rate:g} Hz stored in the file; drop --input-rate '
            '(the file\'s own rate is used for .vital and WFDB).')
    check_rate(recording)
    return recording
