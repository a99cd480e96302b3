# Copyright (c) nl1d contributors. All rights reserved.
"""Cut continuous arterial pressure recordings into labelled windows for
hypotension prediction, in nl1d's format.

Reads every recording under ``--src`` (VitalDB ``.vital``, WFDB ``.hea``
single- or multi-segment, ``.npy``, ``.csv``; see ``readers.py``),
resamples it to ``--rate`` Hz (``scipy.signal.resample_poly``), cuts
windows of ``--window`` seconds every ``--stride`` seconds and labels each
by the standard definition (``labels.py``): a hypotensive event is MAP <
``--threshold`` mmHg (65) for at least ``--min-duration`` seconds (60); a
window is positive when an event starts within ``--horizon`` minutes (5)
after it ends. Windows during or just after an event, failing the artefact
checks, or without a complete follow-up are left out and counted. Patients
are split into train/val/test (never one patient in two splits). Writes
under ``--out``::

    signals/<recording>/<start_s>.npy   float32 (1, window * rate), mmHg
    train.txt val.txt test.txt          `signals/0001/000120.npy 2000 1`
    patients.txt                        `signals/0001/000120.npy P0001`
                                        (metrics' group_file: patient-level
                                        bootstrap)
    classes.txt                         `0 no event`, `1 hypotension`
    windows.csv                         per window: split, patient,
                                        recording, start_s, map, pp,
                                        minutes to the next event, label
    summary.json                        the printed summary

Example (VitalDB cases downloaded as .vital files, 500 Hz SNUADC/ART):
    python tools/data/hypotension/convert.py --src VITAL_DIR \
        --out data/hypotension --track SNUADC/ART --horizon 5 \
        --patient-map clinical_data.csv --workers 2
"""
import argparse
import csv
import importlib.util
import json
import multiprocessing
import os
import os.path as osp
import sys
from collections import Counter
from fractions import Fraction
from types import ModuleType
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from nl1d.utils.progress import ProgressBar

HERE = osp.dirname(osp.abspath(__file__))


def _import_sibling(name: str) -> ModuleType:
    """Import ``labels.py`` / ``readers.py`` from this folder under a
    private module name (the folder is not a package)."""
    full = f'_nl1d_hypotension_{name}'
    if full not in sys.modules:
        spec = importlib.util.spec_from_file_location(
            full, osp.join(HERE, f'{name}.py'))
        module = importlib.util.module_from_spec(spec)
        sys.modules[full] = module
        spec.loader.exec_module(module)
    return sys.modules[full]


labels_lib = _import_sibling('labels')
readers = _import_sibling('readers')

SPLITS = ('train', 'val', 'test')
#: Class names, in index order (classes.txt).
CLASS_NAMES = ('no event', 'hypotension')


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Cut arterial pressure recordings (.vital, WFDB, .npy, '
        '.csv) into labelled hypotension-prediction windows.',
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    io = parser.add_argument_group('input and output')
    io.add_argument('--src', required=True, nargs='+',
                    help='recording files and/or folders (searched '
                    'recursively)')
    io.add_argument('--out', required=True, help='output DATA_DIR')
    io.add_argument('--formats', nargs='+', default=['vital', 'wfdb'],
                    choices=sorted(set(readers.FORMATS.values())),
                    help='formats searched for in folders (.npy/.csv also '
                    'need --input-rate); files named in --src are always '
                    'read')
    io.add_argument('--track', default='SNUADC/ART',
                    help='VitalDB track(s), comma-separated, first found '
                    'wins; a name without device (ART) matches any device')
    io.add_argument('--channel', default='ABP,ART',
                    help='WFDB channel / CSV column name(s), comma-separated')
    io.add_argument('--input-rate', type=float, default=None,
                    help='sampling rate of .npy/.csv recordings, Hz')
    io.add_argument('--npy-channel', type=int, default=None,
                    help='row of (C, T) .npy recordings')
    io.add_argument('--skip-missing', action='store_true',
                    help='skip (and count) recordings without the pressure '
                    'track instead of stopping')
    io.add_argument('--patient-map', default=None,
                    help='recording -> patient file: CSV with caseid,'
                    'subjectid columns (VitalDB clinical data) or '
                    'recording,patient, or `recording patient` lines; '
                    'default: one patient per recording')
    io.add_argument('--workers', type=int, default=1,
                    help='recordings converted in parallel')
    win = parser.add_argument_group('windows')
    win.add_argument('--rate', type=int, default=100,
                     help='output sampling rate, Hz')
    win.add_argument('--window', type=int, default=20,
                     help='window length, seconds')
    win.add_argument('--stride', type=int, default=20,
                     help='seconds between window starts')
    lab = parser.add_argument_group('label definition')
    lab.add_argument('--threshold', type=float, default=65.0,
                     help='hypotension: MAP below this, mmHg')
    lab.add_argument('--min-duration', type=int, default=60,
                     help='... sustained for at least this many seconds')
    lab.add_argument('--horizon', type=float, default=5.0,
                     help='positive if an event starts within this many '
                     'minutes after the window ends (5, 10, 15)')
    lab.add_argument('--post-event', type=float, default=5.0,
                     help='exclude windows starting within this many minutes '
                     'after an event ends')
    lab.add_argument('--map-window', type=float, default=2.0,
                     help='seconds averaged for each second\'s MAP')
    art = parser.add_argument_group('artefact checks')
    art.add_argument('--map-min', type=float, default=20.0,
                     help='reject windows with a 1-s MAP below this, mmHg')
    art.add_argument('--map-max', type=float, default=200.0,
                     help='reject windows with a 1-s MAP above this, mmHg')
    art.add_argument('--min-pulse-pressure', type=float, default=20.0,
                     help='reject windows with a pulse pressure below this')
    art.add_argument('--flat-seconds', type=float, default=2.0,
                     help='reject windows with a flat stretch this long')
    art.add_argument('--flat-tol', type=float, default=1.0,
                     help='peak-to-peak below which a stretch is flat, mmHg')
    spl = parser.add_argument_group('patient-level split')
    spl.add_argument('--split', type=float, nargs=3, default=(0.6, 0.2, 0.2),
                     metavar=('TRAIN', 'VAL', 'TEST'),
                     help='shares of patients per split')
    spl.add_argument('--seed', type=int, default=0, help='split seed')
    args = parser.parse_args(argv)
    if args.rate < 20:
        parser.error(f'--rate {args.rate} Hz is too low for a pressure '
                     'waveform (its pulse has content up to ~20 Hz): use '
                     '>= 20, normally 100.')
    if args.window < 1 or args.stride < 1:
        parser.error('--window and --stride must be >= 1 s')
    if min(args.split) < 0 or sum(args.split) <= 0:
        parser.error('--split needs three shares >= 0 with a positive sum')
    if args.input_rate is not None and args.input_rate <= 0:
        parser.error(f'--input-rate must be > 0 Hz, got {args.input_rate}')
    if args.workers < 1:
        parser.error('--workers must be >= 1')
    return args


def label_config(args: argparse.Namespace):
    """The :class:`labels.LabelConfig` of the command line."""
    return labels_lib.LabelConfig(
        threshold=args.threshold,
        min_duration=args.min_duration,
        horizon=int(round(args.horizon * 60)),
        post_event=int(round(args.post_event * 60)),
        map_window=args.map_window,
        map_min=args.map_min,
        map_max=args.map_max,
        min_pulse_pressure=args.min_pulse_pressure,
        flat_seconds=args.flat_seconds,
        flat_tol=args.flat_tol)


def find_recordings(sources: Sequence[str],
                    formats: Sequence[str] = ('vital', 'wfdb')
                    ) -> List[Tuple[str, str]]:
    """Every recording under the sources, as ``(path, root)`` pairs.

    WFDB segment and layout headers of multi-segment records are left out
    (their master header is the recording).

    Args:
        sources (Sequence[str]): Files or folders.
        formats (Sequence[str]): Formats searched for in folders
            (``'vital'``, ``'wfdb'``, ``'npy'``, ``'csv'``). Defaults to
            ``('vital', 'wfdb')``.

    Returns:
        list[tuple[str, str]]: Sorted paths with the folder they were found
        under (for naming).
    """
    found: List[Tuple[str, str]] = []
    for source in sources:
        if osp.isfile(source):
            found.append((source, osp.dirname(source)))
            continue
        if not osp.isdir(source):
            raise FileNotFoundError(
                f'--src {source} does not exist: give recording files or '
                'folders holding them.')
        for folder, _, files in os.walk(source):
            for name in files:
                kind = readers.FORMATS.get(osp.splitext(name)[1].lower())
                if kind in formats:
                    found.append((osp.join(folder, name), source))
    headers = [p for p, _ in found if p.lower().endswith('.hea')]
    segments = set()
    for header in headers:
        with open(header) as f:
            first = f.readline().split()
        if first and '/' in first[0]:  # `name/num_segments ...`: a master
            with open(header) as f:
                lines = [line.split() for line in f
                         if line.strip() and not line.startswith('#')]
            folder = osp.dirname(header)
            segments.update(
                osp.join(folder, fields[0] + '.hea') for fields in lines[1:]
                if fields and fields[0] != '~')
    return sorted((p, r) for p, r in found if p not in segments)


def _token(name: str) -> str:
    """``name`` with whitespace replaced: annotation and group files are
    whitespace-separated."""
    return '_'.join(str(name).split())


def recording_ids(found: List[Tuple[str, str]]) -> List[str]:
    """A name per recording: the file stem, or its path below the source
    folder when stems repeat (whitespace replaced by ``_``)."""
    stems = [osp.splitext(osp.basename(p))[0] for p, _ in found]
    if len(set(stems)) == len(stems):
        return [_token(s) for s in stems]
    return [
        _token(osp.splitext(osp.relpath(p, r))[0].replace(os.sep, '_'))
        for p, r in found
    ]


def _normalise(key: str) -> str:
    key = key.strip()
    return key.lstrip('0') or '0' if key.isdigit() else key


def load_patient_map(path: str) -> Dict[str, str]:
    """Recording → patient from a CSV (``caseid,subjectid`` as VitalDB's
    clinical data, or ``recording,patient``) or ``recording patient``
    lines. Numeric recording ids match with or without leading zeros."""
    if not osp.isfile(path):
        raise FileNotFoundError(
            f'--patient-map {path} does not exist: give a CSV with caseid,'
            'subjectid columns or `recording patient` lines, or drop it '
            '(one patient per recording).')
    mapping: Dict[str, str] = {}
    if path.lower().endswith('.csv'):
        with open(path, newline='') as f:
            reader = csv.DictReader(f)
            fields = reader.fieldnames or []
            pairs = [('caseid', 'subjectid'), ('recording', 'patient')]
            keys = next(((a, b) for a, b in pairs
                         if a in fields and b in fields), None)
            if keys is None:
                raise ValueError(
                    f'--patient-map {path}: expected columns caseid,subjectid '
                    f'or recording,patient, found {fields}.')
            for line_no, row in enumerate(reader, 2):
                patient = (row[keys[1]] or '').strip()
                if not patient:
                    raise ValueError(
                        f'--patient-map {path}, line {line_no}: recording '
                        f'{row[keys[0]]!r} has an empty {keys[1]}.')
                mapping[_normalise(row[keys[0]])] = patient
        return mapping
    with open(path) as f:
        for line_no, line in enumerate(f, 1):
            fields = line.split()
            if not fields or fields[0].startswith('#'):
                continue
            if len(fields) != 2:
                raise ValueError(
                    f'--patient-map {path}, line {line_no}: expected '
                    f'`recording patient`, got {line.strip()!r}.')
            mapping[_normalise(fields[0])] = fields[1]
    return mapping


def resample(signal: np.ndarray, in_rate: float, out_rate: int
             ) -> np.ndarray:
    """Resample with ``scipy.signal.resample_poly``, keeping gaps as NaN.

    Gaps are bridged linearly for the filter, then every output sample
    within 0.1 s of a missing input sample is set back to NaN.

    Args:
        signal (np.ndarray): (T,) samples, NaN where missing.
        in_rate (float): Input rate, Hz.
        out_rate (int): Output rate, Hz.

    Returns:
        np.ndarray: (T * out_rate / in_rate,) float64.
    """
    from scipy.ndimage import maximum_filter1d
    from scipy.signal import resample_poly
    ratio = Fraction(out_rate) / Fraction(in_rate).limit_denominator(1000)
    if ratio == 1:
        return np.asarray(signal, dtype=np.float64)
    missing = ~np.isfinite(signal)
    filled = np.asarray(signal, dtype=np.float64)
    if missing.any():
        good = np.flatnonzero(~missing)
        filled = np.interp(np.arange(len(signal)), good, filled[good])
    out = resample_poly(filled, ratio.numerator, ratio.denominator)
    if missing.any():
        pad = max(int(round(0.1 * in_rate)), 1)
        wide = maximum_filter1d(missing.astype(np.uint8), 2 * pad + 1) > 0
        source = np.minimum(
            np.round(np.arange(len(out)) * in_rate / out_rate).astype(
                np.int64), len(signal) - 1)
        out[wide[source]] = np.nan
    return out


def convert_recording(task: Tuple[str, str, str, argparse.Namespace]
                      ) -> Dict:
    """Read, resample, label and write the windows of one recording.

    Args:
        task (tuple): ``(path, recording_id, patient_id, args)``.

    Returns:
        dict: ``id``, ``patient``, ``windows`` (rows for the annotation
        files and windows.csv), ``counts``, ``events``, ``hours`` and
        ``skipped`` (a reason, or None).
    """
    path, rec_id, patient, args = task
    result = dict(id=rec_id, patient=patient, path=path, windows=[],
                  counts={}, events=0, hours=0.0, skipped=None)
    try:
        recording = readers.read_recording(
            path,
            tracks=[t for t in args.track.split(',') if t],
            channels=[c for c in args.channel.split(',') if c],
            input_rate=args.input_rate,
            npy_channel=args.npy_channel)
    except readers.MissingTrackError:
        if not args.skip_missing:
            raise
        result['skipped'] = 'no pressure track'
        return result
    signal = resample(recording.signal, recording.rate, args.rate)
    result['hours'] = len(signal) / args.rate / 3600
    labelled = labels_lib.label_recording(signal, args.rate, args.window,
                                          args.stride, label_config(args))
    result['counts'] = dict(labelled.counts)
    result['counts']['windows'] = len(labelled.starts)
    result['events'] = len(labelled.events)
    length = args.window * args.rate
    folder = osp.join(args.out, 'signals', rec_id)
    os.makedirs(folder, exist_ok=True)
    offset = recording.offset
    for i in np.flatnonzero(labelled.labels >= 0):
        t0 = int(labelled.starts[i])
        start_s = int(np.floor(offset)) + t0
        rel = f'signals/{rec_id}/{start_s:06d}.npy'
        window = signal[t0 * args.rate:t0 * args.rate + length]
        np.save(osp.join(args.out, rel),
                window.astype(np.float32)[None])  # (1, L)
        to_event = labelled.to_event[i]
        result['windows'].append(
            dict(path=rel, num_samples=length,
                 label=int(labelled.labels[i]), start_s=start_s,
                 map=round(float(labelled.window_map[i]), 2),
                 pp=round(float(labelled.window_pp[i]), 2),
                 minutes_to_event=('' if np.isnan(to_event) else
                                   round(float(to_event) / 60, 2))))
    return result


def split_patients(has_positive: Dict[str, bool],
                   shares: Sequence[float], seed: int) -> Dict[str, str]:
    """Assign each patient to train, val or test.

    Patients with a positive window come first, then the others, each group
    shuffled with ``seed``; each patient in turn goes to the split furthest
    below its share so far. Every split thus gets its share of patients
    with events and of patients overall, and a split with a share gets a
    patient as early as possible (a 1:1:1 split of three patients fills all
    three).

    Args:
        has_positive (dict[str, bool]): Patient → has a positive window.
        shares (Sequence[float]): Train, val and test shares.
        seed (int): Shuffle seed.

    Returns:
        dict[str, str]: Patient → split name.
    """
    rng = np.random.default_rng(seed)
    shares = np.asarray(shares, dtype=np.float64) / np.sum(shares)
    order: List[str] = []
    for stratum in (True, False):
        ids = sorted(p for p, pos in has_positive.items() if pos == stratum)
        order += [ids[i] for i in rng.permutation(len(ids))]
    counts = np.zeros(len(SPLITS))
    assignment: Dict[str, str] = {}
    for i, patient in enumerate(order):
        k = int(np.argmax(shares * (i + 1) - counts))
        counts[k] += 1
        assignment[patient] = SPLITS[k]
    return assignment


def _empty_result_error(totals: Counter, results: List[Dict],
                        args: argparse.Namespace) -> RuntimeError:
    """Explain why no window was kept, with the fix."""
    read = [r for r in results if r['skipped'] is None]
    if not read:
        return RuntimeError(
            f'no window written: none of the {len(results)} recordings has a '
            f'pressure track ({args.track!r} / {args.channel!r}); pass the '
            'right --track / --channel.')
    if totals['windows'] == 0:
        return RuntimeError(
            f'no window written: the {len(read)} recordings are shorter than '
            f'--window {args.window} s; check the files and --input-rate.')
    reason, count = max(
        ((r, totals[r]) for r in labels_lib.EXCLUSION_REASONS),
        key=lambda item: item[1])
    fixes = {
        'map_range': 'the pressures lie outside --map-min/--map-max: is the '
        'signal in mmHg (not kPa, V or ADC counts)?',
        'censored': f'the recordings end less than --horizon '
        f'{args.horizon:g} min after every window: use longer recordings or '
        'a shorter --horizon.',
        'nan': 'every window has missing samples: check the track and the '
        'file.',
        'flat': 'the signal is flat: check the track.',
        'pulse_pressure': 'the pulse pressure is tiny: is this an arterial '
        'pressure (not CVP/PAP)? Lower --min-pulse-pressure otherwise.',
        'in_event': 'the recordings are hypotensive throughout.',
        'post_event': 'every window follows an event: lower --post-event.',
    }
    return RuntimeError(
        f'no window written: all {totals["windows"]} windows of {len(read)} '
        f'recordings were excluded, most as {reason!r} ({count}): '
        f'{fixes[reason]} Counts: '
        f'{ {r: totals[r] for r in labels_lib.EXCLUSION_REASONS} }.')


def summarise(results: List[Dict], assignment: Dict[str, str],
              args: argparse.Namespace) -> Dict:
    """Counts of windows, exclusions, events and splits."""
    totals: Counter = Counter()
    for result in results:
        totals.update(result['counts'])
    per_split = {}
    for split in SPLITS:
        rows = [w for r in results if assignment.get(r['patient']) == split
                for w in r['windows']]
        per_split[split] = dict(
            patients=len({p for p, s in assignment.items() if s == split}),
            recordings=len({r['id'] for r in results
                            if assignment.get(r['patient']) == split
                            and r['windows']}),
            windows=len(rows),
            positive=sum(w['label'] for w in rows))
    train = per_split['train']
    negatives = train['windows'] - train['positive']
    return dict(
        recordings=len(results),
        skipped=sum(r['skipped'] is not None for r in results),
        hours=round(sum(r['hours'] for r in results), 2),
        events=sum(r['events'] for r in results),
        windows=int(totals['windows']),
        positive=int(totals['positive']),
        negative=int(totals['negative']),
        excluded={r: int(totals[r]) for r in labels_lib.EXCLUSION_REASONS},
        splits=per_split,
        class_weight=[1.0, round(negatives / train['positive'], 1)]
        if train['positive'] else None,
        label_definition=vars(label_config(args)),
        rate=args.rate,
        window=args.window,
        stride=args.stride)


def print_summary(summary: Dict, args: argparse.Namespace) -> None:
    """The summary as a few readable lines."""
    kept = summary['positive'] + summary['negative']
    excluded = sum(summary['excluded'].values())
    print(f'\n{summary["recordings"] - summary["skipped"]} recordings read '
          f'({summary["hours"]:.1f} h), {summary["skipped"]} skipped without '
          f'a pressure track; {summary["events"]} hypotensive events (MAP < '
          f'{args.threshold:g} mmHg for >= {args.min_duration} s)')
    print(f'{summary["windows"]} windows of {args.window} s every '
          f'{args.stride} s: {kept} kept ({summary["positive"]} positive = '
          f'event within {args.horizon:g} min, {summary["negative"]} '
          f'negative; prevalence {summary["positive"] / max(kept, 1):.3f}), '
          f'{excluded} excluded:')
    for reason, count in summary['excluded'].items():
        print(f'  {reason:<16}{count:>8}')
    for split, row in summary['splits'].items():
        print(f'{split:<6} {row["patients"]:>5} patients '
              f'{row["recordings"]:>5} recordings {row["windows"]:>8} '
              f'windows {row["positive"]:>7} positive')
    if summary['class_weight']:
        print(f'class weight for the training split (negatives / positives): '
              f"loss_cls=dict(type='CrossEntropyLoss', class_weight="
              f'{summary["class_weight"]})')


def main(argv: Optional[Sequence[str]] = None) -> Dict:
    """Convert; returns the summary."""
    args = parse_args(argv)
    found = find_recordings(args.src, args.formats)
    if not found:
        raise FileNotFoundError(
            f'no recording ({", ".join(args.formats)}) under {args.src}: '
            'check --src, and pass --formats npy / csv for those files.')
    ids = recording_ids(found)
    patient_map = (load_patient_map(args.patient_map)
                   if args.patient_map else None)
    patients = []
    for (path, _), rec_id in zip(found, ids):
        if patient_map is None:
            patients.append(rec_id)
            continue
        stem = _normalise(osp.splitext(osp.basename(path))[0])
        if stem not in patient_map:
            raise KeyError(
                f'{path}: recording {stem!r} is not in --patient-map '
                f'{args.patient_map}; add a line for it.')
        patients.append(_token(patient_map[stem]))
    os.makedirs(osp.join(args.out, 'signals'), exist_ok=True)
    tasks = [(path, rec_id, patient, args)
             for (path, _), rec_id, patient in zip(found, ids, patients)]
    print(f'[convert] {len(tasks)} recordings -> {args.out} (windows of '
          f'{args.window} s at {args.rate} Hz every {args.stride} s, horizon '
          f'{args.horizon:g} min)', flush=True)
    progress = ProgressBar(len(tasks), title='convert')
    results = []
    if args.workers > 1:
        context = multiprocessing.get_context('fork')
        with context.Pool(args.workers) as pool:
            for result in pool.imap(convert_recording, tasks):
                results.append(result)
                progress.update()
    else:
        for task in tasks:
            results.append(convert_recording(task))
            progress.update()

    has_positive: Dict[str, bool] = {}
    for result in results:
        if result['windows']:
            has_positive[result['patient']] = has_positive.get(
                result['patient'], False) or any(
                    w['label'] == 1 for w in result['windows'])
    assignment = split_patients(has_positive, args.split, args.seed)
    summary = summarise(results, assignment, args)
    if summary['positive'] + summary['negative'] == 0:
        totals: Counter = Counter()
        for result in results:
            totals.update(result['counts'])
        raise _empty_result_error(totals, results, args)
    for split, share in zip(SPLITS, args.split):
        if share > 0 and summary['splits'][split]['windows'] == 0:
            raise RuntimeError(
                f'the {split} split is empty: {len(has_positive)} patients '
                f'with windows are too few for --split '
                f'{" ".join(f"{s:g}" for s in args.split)}; add recordings '
                'or change --split.')

    lines = {split: [] for split in SPLITS}
    with open(osp.join(args.out, 'windows.csv'), 'w', newline='') as f:
        writer = csv.writer(f)
        writer.writerow(['path', 'split', 'patient', 'recording', 'start_s',
                         'map', 'pp', 'minutes_to_event', 'label'])
        group_lines = []
        for result in results:
            split = assignment.get(result['patient'])
            for w in result['windows']:
                lines[split].append(
                    f'{w["path"]} {w["num_samples"]} {w["label"]}')
                group_lines.append(f'{w["path"]} {result["patient"]}')
                writer.writerow([
                    w['path'], split, result['patient'], result['id'],
                    w['start_s'], w['map'], w['pp'], w['minutes_to_event'],
                    w['label']
                ])
    for split in SPLITS:
        with open(osp.join(args.out, f'{split}.txt'), 'w') as f:
            f.writelines(line + '\n' for line in lines[split])
    with open(osp.join(args.out, 'patients.txt'), 'w') as f:
        f.writelines(line + '\n' for line in group_lines)
    from nl1d.datasets.class_names import CLASSES_FILE, write_classes
    write_classes(osp.join(args.out, CLASSES_FILE), CLASS_NAMES)
    with open(osp.join(args.out, 'summary.json'), 'w') as f:
        json.dump(summary, f, indent=2)
    print_summary(summary, args)
    for split in ('val', 'test'):
        row = summary['splits'][split]
        if row['windows'] and row['positive'] in (0, row['windows']):
            print(f'warning: the {split} split has {row["positive"]} '
                  f'positive windows of {row["windows"]}: AUROC is undefined '
                  'there; add recordings or change --seed / --split.')
    print(f'wrote {args.out}/{{train,val,test}}.txt, patients.txt, '
          'classes.txt, windows.csv, summary.json')
    return summary


if __name__ == '__main__':
    main()
