# Copyright (c) nl1d contributors. All rights reserved.
"""The recordings ``convert.py`` reads: finding them under ``--src``,
naming them, and the patient each belongs to (``--patient-map``)."""
import csv
import os
import os.path as osp
from typing import Dict, List, Optional, Sequence, Tuple

from . import readers


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


def patient_ids(found: List[Tuple[str, str]], ids: List[str],
                patient_map: Optional[str] = None) -> List[str]:
    """The patient of each recording.

    Args:
        found (list[tuple[str, str]]): From :func:`find_recordings`.
        ids (list[str]): From :func:`recording_ids`.
        patient_map (str, optional): ``--patient-map`` (see
            :func:`load_patient_map`). Defaults to None: one patient per
            recording, named like it.

    Returns:
        list[str]: A patient id per recording (whitespace replaced by
        ``_``).
    """
    if not patient_map:
        return list(ids)
    mapping = load_patient_map(patient_map)
    patients = []
    for path, _ in found:
        stem = _normalise(osp.splitext(osp.basename(path))[0])
        if stem not in mapping:
            raise KeyError(
                f'{path}: recording {stem!r} is not in --patient-map '
                f'{patient_map}; add a line for it.')
        patients.append(_token(mapping[stem]))
    return patients
