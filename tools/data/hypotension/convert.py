# Copyright (c) nl1d contributors. All rights reserved.
"""Cut continuous arterial pressure recordings into labelled windows for
hypotension prediction, in nl1d's format: the command line of
:func:`nl1d.datasets.hypotension.convert` (what it writes and how it labels
is documented there and in this folder's README).

Example (VitalDB cases downloaded as .vital files, 500 Hz SNUADC/ART):
    python tools/data/hypotension/convert.py --src VITAL_DIR \
        --out data/hypotension --track SNUADC/ART --horizon 5 \
        --patient-map clinical_data.csv --workers 2
"""
import argparse
from typing import Dict, Optional, Sequence

from nl1d.datasets.hypotension import ConvertConfig, convert
from nl1d.datasets.hypotension.readers import FORMATS

D = ConvertConfig  # the defaults


def parse_args(argv: Optional[Sequence[str]] = None) -> ConvertConfig:
    parser = argparse.ArgumentParser(
        description='Cut arterial pressure recordings (.vital, WFDB, .npy, '
        '.csv) into labelled hypotension-prediction windows.',
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    io = parser.add_argument_group('input and output')
    io.add_argument('--src', required=True, nargs='+',
                    help='recording files and/or folders (searched '
                    'recursively)')
    io.add_argument('--out', required=True, help='output DATA_DIR')
    io.add_argument('--formats', nargs='+', default=list(D.formats),
                    choices=sorted(set(FORMATS.values())),
                    help='formats searched for in folders (.npy/.csv also '
                    'need --input-rate); files named in --src are always '
                    'read')
    io.add_argument('--track', default=D.track,
                    help='VitalDB track(s), comma-separated, first found '
                    'wins; a name without device (ART) matches any device')
    io.add_argument('--channel', default=D.channel,
                    help='WFDB channel / CSV column name(s), comma-separated')
    io.add_argument('--input-rate', type=float, default=D.input_rate,
                    help='sampling rate of .npy/.csv recordings, Hz')
    io.add_argument('--npy-channel', type=int, default=D.npy_channel,
                    help='row of (C, T) .npy recordings')
    io.add_argument('--skip-missing', action='store_true',
                    help='skip (and count) recordings without the pressure '
                    'track instead of stopping')
    io.add_argument('--patient-map', default=D.patient_map,
                    help='recording -> patient file: CSV with caseid,'
                    'subjectid columns (VitalDB clinical data) or '
                    'recording,patient, or `recording patient` lines; '
                    'default: one patient per recording')
    io.add_argument('--workers', type=int, default=D.workers,
                    help='recordings converted in parallel')
    win = parser.add_argument_group('windows')
    win.add_argument('--rate', type=int, default=D.rate,
                     help='output sampling rate, Hz')
    win.add_argument('--window', type=int, default=D.window,
                     help='window length, seconds')
    win.add_argument('--stride', type=int, default=D.stride,
                     help='seconds between window starts')
    lab = parser.add_argument_group('label definition')
    lab.add_argument('--threshold', type=float, default=D.threshold,
                     help='hypotension: MAP below this, mmHg')
    lab.add_argument('--min-duration', type=int, default=D.min_duration,
                     help='... sustained for at least this many seconds')
    lab.add_argument('--horizon', type=float, default=D.horizon,
                     help='positive if an event starts within this many '
                     'minutes after the window ends (5, 10, 15)')
    lab.add_argument('--post-event', type=float, default=D.post_event,
                     help='exclude windows starting within this many minutes '
                     'after an event ends')
    lab.add_argument('--map-window', type=float, default=D.map_window,
                     help='seconds averaged for each second\'s MAP')
    art = parser.add_argument_group('artefact checks')
    art.add_argument('--map-min', type=float, default=D.map_min,
                     help='reject windows with a 1-s MAP below this, mmHg')
    art.add_argument('--map-max', type=float, default=D.map_max,
                     help='reject windows with a 1-s MAP above this, mmHg')
    art.add_argument('--min-pulse-pressure', type=float,
                     default=D.min_pulse_pressure,
                     help='reject windows with a pulse pressure below this')
    art.add_argument('--flat-seconds', type=float, default=D.flat_seconds,
                     help='reject windows with a flat stretch this long')
    art.add_argument('--flat-tol', type=float, default=D.flat_tol,
                     help='peak-to-peak below which a stretch is flat, mmHg')
    spl = parser.add_argument_group('patient-level split')
    spl.add_argument('--split', type=float, nargs=3, default=D.split,
                     metavar=('TRAIN', 'VAL', 'TEST'),
                     help='shares of patients per split')
    spl.add_argument('--seed', type=int, default=D.seed, help='split seed')
    cfg = ConvertConfig(**vars(parser.parse_args(argv)))
    for problem in cfg.problems():
        parser.error(problem)
    return cfg


def main(argv: Optional[Sequence[str]] = None) -> Dict:
    """Convert; returns the summary."""
    return convert(parse_args(argv))


if __name__ == '__main__':
    main()
