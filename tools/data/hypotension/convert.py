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

The work is shared by the modules beside this script: ``sources.py``
(finding the recordings and their patients), ``windows.py`` (one
recording to labelled windows), ``splits.py`` (the patient-level split)
and ``summary.py`` (the counts and the printed summary).
"""
import argparse
import csv
import json
import multiprocessing
import os
import os.path as osp
from typing import Dict, List, Optional, Sequence, Tuple

from nl1d.utils.progress import ProgressBar
from nl1d.utils.sibling_import import import_sibling

readers = import_sibling(__file__, 'readers')
sources = import_sibling(__file__, 'sources')
windows = import_sibling(__file__, 'windows')
splits = import_sibling(__file__, 'splits')
summary_lib = import_sibling(__file__, 'summary')

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


def convert_recordings(tasks: List[Tuple[str, str, str, argparse.Namespace]],
                       workers: int = 1) -> List[Dict]:
    """:func:`windows.convert_recording` on every task, in order, with a
    progress bar.

    Args:
        tasks (list[tuple]): ``(path, recording_id, patient_id, args)``.
        workers (int): Processes (forked) converting in parallel.
            Defaults to 1 (this process).

    Returns:
        list[dict]: One result per task.
    """
    progress = ProgressBar(len(tasks), title='convert')
    results = []
    if workers > 1:
        context = multiprocessing.get_context('fork')
        with context.Pool(workers) as pool:
            for result in pool.imap(windows.convert_recording, tasks):
                results.append(result)
                progress.update()
    else:
        for task in tasks:
            results.append(windows.convert_recording(task))
            progress.update()
    return results


def write_annotations(results: List[Dict], assignment: Dict[str, str],
                      out: str) -> None:
    """Write ``{train,val,test}.txt``, ``patients.txt``, ``classes.txt``
    and ``windows.csv`` under ``out``.

    Args:
        results (list[dict]): Of :func:`windows.convert_recording`.
        assignment (dict[str, str]): Patient → split.
        out (str): The output DATA_DIR.
    """
    lines = {split: [] for split in splits.SPLITS}
    with open(osp.join(out, 'windows.csv'), 'w', newline='') as f:
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
    for split in splits.SPLITS:
        with open(osp.join(out, f'{split}.txt'), 'w') as f:
            f.writelines(line + '\n' for line in lines[split])
    with open(osp.join(out, 'patients.txt'), 'w') as f:
        f.writelines(line + '\n' for line in group_lines)
    from nl1d.datasets.class_names import CLASSES_FILE, write_classes
    write_classes(osp.join(out, CLASSES_FILE), CLASS_NAMES)


def main(argv: Optional[Sequence[str]] = None) -> Dict:
    """Convert; returns the summary."""
    args = parse_args(argv)
    found = sources.find_recordings(args.src, args.formats)
    if not found:
        raise FileNotFoundError(
            f'no recording ({", ".join(args.formats)}) under {args.src}: '
            'check --src, and pass --formats npy / csv for those files.')
    ids = sources.recording_ids(found)
    patients = sources.patient_ids(found, ids, args.patient_map)
    os.makedirs(osp.join(args.out, 'signals'), exist_ok=True)
    tasks = [(path, rec_id, patient, args)
             for (path, _), rec_id, patient in zip(found, ids, patients)]
    print(f'[convert] {len(tasks)} recordings -> {args.out} (windows of '
          f'{args.window} s at {args.rate} Hz every {args.stride} s, horizon '
          f'{args.horizon:g} min)', flush=True)
    results = convert_recordings(tasks, args.workers)

    has_positive = splits.has_positive_windows(results)
    assignment = splits.split_patients(has_positive, args.split, args.seed)
    summary = summary_lib.summarise(results, assignment, args)
    if summary['positive'] + summary['negative'] == 0:
        raise summary_lib.empty_result_error(results, args)
    for split, share in zip(splits.SPLITS, args.split):
        if share > 0 and summary['splits'][split]['windows'] == 0:
            raise RuntimeError(
                f'the {split} split is empty: {len(has_positive)} patients '
                f'with windows are too few for --split '
                f'{" ".join(f"{s:g}" for s in args.split)}; add recordings '
                'or change --split.')

    write_annotations(results, assignment, args.out)
    with open(osp.join(args.out, 'summary.json'), 'w') as f:
        json.dump(summary, f, indent=2)
    summary_lib.print_summary(summary, args)
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
