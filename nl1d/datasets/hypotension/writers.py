# Copyright (c) nl1d contributors. All rights reserved.
"""Write a simulated pressure waveform as a recording file: VitalDB
``.vital`` (through the ``vitaldb`` package's own writer) or a WFDB record,
single- or multi-segment; ``readers.py`` reads both back."""
import os.path as osp

import numpy as np

#: Wave track name of the simulated .vital files (VitalDB's radial line).
VITAL_TRACK = 'SNUADC/ART'
#: Channel name of the simulated WFDB records (PhysioNet's convention).
WFDB_CHANNEL = 'ABP'
#: Nominal start time of every simulated file (unix seconds; 2100-01-01,
#: VitalDB's anonymised date).
DT_START = 4102444800.0


def write_vital(path: str, abp: np.ndarray, rate: int,
                track: str = VITAL_TRACK) -> None:
    """Write a waveform as a VitalDB ``.vital`` file with ``vitaldb``.

    Samples are stored as the Vital Recorder stores them: one record per
    second of signal, missing samples (NaN) left out as gaps between
    records.

    Args:
        path (str): Output ``.vital`` file.
        abp (np.ndarray): (T,) pressure, mmHg.
        rate (int): Sampling rate, Hz.
        track (str): ``DEVICE/TRACK`` name. Defaults to ``SNUADC/ART``.
    """
    import vitaldb
    vf = vitaldb.VitalFile()
    vf.dtstart = DT_START
    vf.dtend = DT_START + len(abp) / rate
    finite = np.isfinite(abp)
    records = []
    padded = np.concatenate([[False], finite, [False]]).astype(np.int8)
    edges = np.flatnonzero(np.diff(padded))
    for run_start, run_end in zip(edges[0::2], edges[1::2]):
        for start in range(run_start, run_end, rate):
            end = min(start + rate, run_end)
            records.append(
                dict(dt=DT_START + start / rate,
                     val=np.asarray(abp[start:end], dtype=np.float32)))
    vf.add_track(track, records, srate=rate, unit='mmHg', mindisp=0,
                 maxdisp=200)
    # Unpacked, as recorded (the reader assembles the records; packets of
    # an unpacked file must stay under 1 MB).
    vf.to_vital(path, compresslevel=6, packed=False)


def write_wfdb(record_path: str, abp: np.ndarray, rate: int,
               segments: int = 1, channel: str = WFDB_CHANNEL) -> None:
    """Write a waveform as a WFDB record (16-bit, 0.01 mmHg resolution).

    Args:
        record_path (str): Output record path without extension.
        abp (np.ndarray): (T,) pressure, mmHg.
        rate (int): Sampling rate, Hz.
        segments (int): With more than 1, a multi-segment record (as
            MIMIC's): equal segments, a master header listing them, the
            missing stretches kept as NaN samples. Defaults to 1.
        channel (str): Channel name. Defaults to ``ABP``.
    """
    import wfdb
    write_dir, name = osp.split(record_path)
    write_dir = write_dir or '.'
    values = np.asarray(abp, dtype=np.float64)

    def write(seg_name: str, x: np.ndarray) -> None:
        wfdb.wrsamp(seg_name, fs=rate, units=['mmHg'], sig_name=[channel],
                    p_signal=x[:, None], fmt=['16'], adc_gain=[100.0],
                    baseline=[0], write_dir=write_dir)

    if segments <= 1:
        write(name, values)
        return
    bounds = np.linspace(0, len(values), segments + 1).astype(np.int64)
    lines = [f'{name}/{segments} 1 {rate} {len(values)}']
    for k in range(segments):
        seg_name = f'{name}_{k + 1:04d}'
        write(seg_name, values[bounds[k]:bounds[k + 1]])
        lines.append(f'{seg_name} {bounds[k + 1] - bounds[k]}')
    with open(osp.join(write_dir, f'{name}.hea'), 'w') as f:
        f.write('\n'.join(lines) + '\n')
