# Copyright (c) nl1d contributors. All rights reserved.
"""Which records belong together (e.g. one patient) for the bootstrap.

Several records of one patient are not independent: a confidence interval
that resamples them one by one is too narrow. A group id per record lets the
bootstrap resample whole groups. It comes either from the data sample's
metainfo (``group_key``, e.g. ``'patient_id'`` packed by the dataset) or from
a mapping file that names each record's group.
"""
import os.path as osp
from typing import Dict, List, Optional

import numpy as np


def load_group_map(path: str) -> Dict[str, str]:
    """Read a record → group mapping file.

    The file is text, one record per line, whitespace-separated:
    ``record_id group_id`` (the record id being the value of the data
    sample's ``record_key``, by default the signal's file path as it appears
    in the annotation file). Blank lines and lines starting with ``#`` are
    skipped.

    Args:
        path (str): The mapping file.

    Returns:
        dict[str, str]: Group id of each record id.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(
            f'group_file {path} does not exist: write one `record_id '
            'group_id` pair per line, or drop `group_file` to resample '
            'records.')
    mapping = {}
    with open(path) as f:
        for line_no, line in enumerate(f, 1):
            line = line.strip()
            if not line or line.startswith('#'):
                continue
            fields = line.split()
            if len(fields) != 2:
                raise ValueError(
                    f'group_file {path}, line {line_no}: expected '
                    f'`record_id group_id`, got {line!r}.')
            mapping[fields[0]] = fields[1]
    return mapping


def _lookup(mapping: Dict[str, str], record_id: str) -> Optional[str]:
    """Exact id first, then the id's path suffixes (``a/b/c.npy`` →
    ``b/c.npy`` → ``c.npy``): metainfo often holds the full path
    (``data_prefix`` joined) while the mapping file uses the relative one."""
    if record_id in mapping:
        return mapping[record_id]
    parts = osp.normpath(record_id).split(osp.sep)
    for start in range(1, len(parts)):
        suffix = '/'.join(parts[start:])
        if suffix in mapping:
            return mapping[suffix]
    return None


def record_groups(records: List[Dict],
                  group_key: Optional[str] = None,
                  group_map: Optional[Dict[str, str]] = None,
                  record_key: str = 'filename') -> Optional[np.ndarray]:
    """Group id of every record, or None to resample records.

    Args:
        records (list[dict]): Records from
            :func:`~nl1d.evaluation.metrics.records.sample_to_record`, with
            ``group_key`` / ``record_key`` kept.
        group_key (str, optional): Metainfo key holding the group id.
            Defaults to None.
        group_map (dict, optional): Record id → group id, from
            :func:`load_group_map`. Defaults to None.
        record_key (str): Metainfo key holding the record id looked up in
            ``group_map``. Defaults to ``'filename'``.

    Returns:
        np.ndarray | None: (N,) group ids as strings, or None when neither
        ``group_key`` nor ``group_map`` is given.
    """
    if group_key is not None and group_map is not None:
        raise ValueError('Give either `group_key` (metainfo) or `group_file` '
                         '(mapping file), not both.')
    if group_key is None and group_map is None:
        return None
    groups = []
    for i, record in enumerate(records):
        if group_key is not None:
            if group_key not in record:
                raise KeyError(
                    f'Record {i} has no metainfo key `{group_key}` '
                    f'(group_key). Add it to the meta_keys of '
                    '`PackSignalInputs`, or use `group_file`.')
            groups.append(str(record[group_key]))
            continue
        if record_key not in record:
            raise KeyError(
                f'Record {i} has no metainfo key `{record_key}` (record_key) '
                'to look up in group_file: set `record_key` to a metainfo '
                'key the data samples carry.')
        group = _lookup(group_map, str(record[record_key]))
        if group is None:
            raise KeyError(
                f'Record {record[record_key]!r} is not in group_file: add a '
                f'`{record[record_key]} GROUP` line for it.')
        groups.append(group)
    return np.array(groups)
