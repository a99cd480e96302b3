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

``tools/data/hypotension/convert.py`` is its command line (the options
are the fields of :class:`~.config.ConvertConfig`). The work is shared by
the modules of this package: ``sources.py`` (finding the recordings and
their patients), ``windows.py`` (one recording to labelled windows),
``splits.py`` (the patient-level split) and ``summary.py`` (the counts and
the printed summary).
"""
import csv
import json
import multiprocessing
import os
import os.path as osp
from typing import Dict, List, Tuple

from nl1d.runtime.progress import ProgressBar
from ..class_names import CLASSES_FILE, write_classes
from . import sources, splits
from . import summary as summary_lib
from . import windows
from .config import ConvertConfig

#: Class names, in index order (classes.txt).
CLASS_NAMES = ('no event', 'hypotension')


def convert_recordings(tasks: List[Tuple[str, str, str, ConvertConfig]],
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
    write_classes(osp.join(out, CLASSES_FILE), CLASS_NAMES)


def convert(args: ConvertConfig) -> Dict:
    """Convert the recordings of ``args.src`` into labelled windows under
    ``args.out`` (the files of the module docstring) and print a summary.

    Args:
        args (ConvertConfig): The settings.

    Returns:
        dict: The summary (``summary.json``).

    Raises:
        ValueError: Unusable settings (:meth:`ConvertConfig.problems`).
        FileNotFoundError: No recording under ``args.src``.
        RuntimeError: No window kept, or a split left empty.
    """
    problems = args.problems()
    if problems:
        raise ValueError('; '.join(problems))
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
