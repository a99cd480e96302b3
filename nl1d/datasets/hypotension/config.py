# Copyright (c) nl1d contributors. All rights reserved.
"""The settings of one conversion (``tools/data/hypotension/convert.py``'s
options, same names and defaults)."""
from dataclasses import dataclass
from typing import List, Optional, Sequence, Tuple

from .labels import LabelConfig

_L = LabelConfig  # the label definition's defaults


@dataclass
class ConvertConfig:
    """What :func:`~nl1d.datasets.hypotension.convert.convert` reads, how it
    cuts and labels windows, and how it splits patients.

    Input and output:
        src (Sequence[str]): Recording files and/or folders (searched
            recursively).
        out (str): The output data folder.
        formats (Sequence[str]): Formats searched for in folders
            (``'vital'``, ``'wfdb'``, ``'npy'``, ``'csv'``; .npy/.csv also
            need ``input_rate``). Files named in ``src`` are always read.
            Defaults to ``('vital', 'wfdb')``.
        track (str): VitalDB track(s), comma-separated, first found wins; a
            name without device (``ART``) matches any device. Defaults to
            ``'SNUADC/ART'``.
        channel (str): WFDB channel / CSV column name(s), comma-separated.
            Defaults to ``'ABP,ART'``.
        input_rate (float, optional): Sampling rate of .npy/.csv
            recordings, Hz. Defaults to None.
        npy_channel (int, optional): Row of (C, T) .npy recordings.
        skip_missing (bool): Skip (and count) recordings without the
            pressure track instead of stopping. Defaults to False.
        patient_map (str, optional): Recording -> patient file (CSV with
            ``caseid,subjectid`` or ``recording,patient`` columns, or
            ``recording patient`` lines). Defaults to one patient per
            recording.
        workers (int): Recordings converted in parallel. Defaults to 1.

    Windows and labels (see :mod:`~nl1d.datasets.hypotension.labels`):
        rate (int): Output sampling rate, Hz. Defaults to 100.
        window (int): Window length, seconds. Defaults to 20.
        stride (int): Seconds between window starts. Defaults to 20.
        threshold (float): Hypotension: MAP below this, mmHg. Defaults to
            65.
        min_duration (int): ... sustained for at least this many seconds.
            Defaults to 60.
        horizon (float): Positive if an event starts within this many
            minutes after the window ends. Defaults to 5.
        post_event (float): Exclude windows starting within this many
            minutes after an event ends. Defaults to 5.
        map_window (float): Seconds averaged for each second's MAP.
            Defaults to 2.

    Artefact checks: ``map_min`` / ``map_max`` (a 1-s MAP outside, mmHg;
    20 / 200), ``min_pulse_pressure`` (20 mmHg), ``flat_seconds`` (a flat
    stretch this long; 2) with ``flat_tol`` (peak-to-peak below which a
    stretch is flat, mmHg; 1).

    Patient-level split: ``split`` (shares of patients of train, val and
    test; ``(0.6, 0.2, 0.2)``) and ``seed`` (0).
    """
    src: Sequence[str]
    out: str
    formats: Sequence[str] = ('vital', 'wfdb')
    track: str = 'SNUADC/ART'
    channel: str = 'ABP,ART'
    input_rate: Optional[float] = None
    npy_channel: Optional[int] = None
    skip_missing: bool = False
    patient_map: Optional[str] = None
    workers: int = 1
    rate: int = 100
    window: int = 20
    stride: int = 20
    threshold: float = _L.threshold
    min_duration: int = _L.min_duration
    horizon: float = _L.horizon / 60  # minutes here, seconds in LabelConfig
    post_event: float = _L.post_event / 60
    map_window: float = _L.map_window
    map_min: float = _L.map_min
    map_max: float = _L.map_max
    min_pulse_pressure: float = _L.min_pulse_pressure
    flat_seconds: float = _L.flat_seconds
    flat_tol: float = _L.flat_tol
    split: Tuple[float, float, float] = (0.6, 0.2, 0.2)
    seed: int = 0

    def problems(self) -> List[str]:
        """What makes these settings unusable, each with the fix (empty
        when they are fine)."""
        found = []
        if self.rate < 20:
            found.append(f'--rate {self.rate} Hz is too low for a pressure '
                         'waveform (its pulse has content up to ~20 Hz): use '
                         '>= 20, normally 100.')
        if self.window < 1 or self.stride < 1:
            found.append('--window and --stride must be >= 1 s')
        if min(self.split) < 0 or sum(self.split) <= 0:
            found.append('--split needs three shares >= 0 with a positive '
                         'sum')
        if self.input_rate is not None and self.input_rate <= 0:
            found.append(
                f'--input-rate must be > 0 Hz, got {self.input_rate}')
        if self.workers < 1:
            found.append('--workers must be >= 1')
        return found
