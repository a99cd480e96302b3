# Copyright (c) nl1d contributors. All rights reserved.
"""nl1d's annotation format, parsed and written in one place.

An annotation file lists one record per line, fields separated by
whitespace::

    relative/path.npy num_samples label

The path is relative to the dataset's ``data_prefix['signal']`` (no spaces),
``num_samples`` is the record's length (a positive integer) and ``label`` its
class index in ``[0, num_classes)``. :class:`~nl1d.datasets.SignalDataset`
reads it, the converters in ``tools/data/`` write it, the config check reads
its labels and its first record, and :func:`record_info` builds the dict
every pipeline (dataset or inference) starts from.
"""
from typing import Iterable, List, NamedTuple, Optional, Tuple

from mmengine.fileio import exists, list_from_file

#: The format, as error messages quote it.
LINE_FORMAT = '`relative/path.npy num_samples label`'


class AnnotationRecord(NamedTuple):
    """One parsed annotation line.

    Attributes:
        path (str): Signal file, relative to ``data_prefix['signal']``.
        num_samples (int): Length of the record in samples.
        label (int): Class index.
        line_no (int): 1-based line in the annotation file.
    """
    path: str
    num_samples: int
    label: int
    line_no: int


def label_problem(label: int, num_classes: Optional[int]) -> Optional[str]:
    """Why ``label`` is no class index of ``num_classes`` classes, if so.

    Args:
        label (int): A class index.
        num_classes (int, optional): Number of classes; None checks only
            that the label is not negative.

    Returns:
        str | None: The problem, or None when the label is valid.
    """
    if label < 0 or (num_classes is not None and label >= num_classes):
        return (f'label {label} is outside [0, num_classes={num_classes}): '
                'fix the label, or set num_classes (and the head\'s '
                'num_classes) to cover it')
    return None


def parse_line(line: str, line_no: int,
               num_classes: Optional[int] = None
               ) -> Tuple[Optional[AnnotationRecord], Optional[str]]:
    """Parse one annotation line.

    Args:
        line (str): The line, without its newline.
        line_no (int): Its 1-based number, for the record and the message.
        num_classes (int, optional): Number of classes the label must fit.
            Defaults to None (only negative labels are refused).

    Returns:
        tuple: ``(record, None)``, or ``(None, problem)`` where the problem
        names the line and how to fix it.
    """
    fields = line.split()
    where = f'line {line_no}'
    if not fields:
        return None, (f'{where} is empty: remove it (every line must be '
                      f'{LINE_FORMAT})')
    if len(fields) != 3:
        return None, (f'{where} `{line.strip()}` has {len(fields)} fields, '
                      f'expected 3: {LINE_FORMAT} (no spaces in paths)')
    path, num_samples, label = fields
    try:
        num_samples, label = int(num_samples), int(label)
    except ValueError:
        return None, (f'{where} `{line.strip()}`: num_samples and label '
                      f'must be integers ({LINE_FORMAT})')
    if num_samples < 1:
        return None, (f'{where}: num_samples is {num_samples}, must be a '
                      'positive sample count')
    problem = label_problem(label, num_classes)
    if problem is not None:
        return None, f'{where}: {problem}'
    return AnnotationRecord(path, num_samples, label, line_no), None


def load_annotation(ann_file: str, num_classes: Optional[int] = None
                    ) -> Tuple[List[AnnotationRecord], List[str]]:
    """Parse a whole annotation file, collecting every problem.

    Trailing blank lines are ignored; any other blank line is a problem.

    Args:
        ann_file (str): Path (or URI of an mmengine file backend).
        num_classes (int, optional): Number of classes every label must
            fit. Defaults to None.

    Returns:
        tuple[list[AnnotationRecord], list[str]]: The valid records and the
        problems found, one message per bad line (or one for an empty file).

    Raises:
        FileNotFoundError: ``ann_file`` does not exist.
    """
    if not exists(ann_file):
        raise FileNotFoundError(
            f'annotation file {ann_file} does not exist: check `ann_file` / '
            '`data_root` in the dataset config, or run the converter in '
            'tools/data/<dataset>/ that writes it.')
    lines = list_from_file(ann_file)
    while lines and not lines[-1].strip():
        lines.pop()
    if not lines:
        return [], [f'the file lists no record: write one line {LINE_FORMAT} '
                    'per record']
    records, problems = [], []
    for line_no, line in enumerate(lines, start=1):
        record, problem = parse_line(line, line_no, num_classes)
        if record is not None:
            records.append(record)
        else:
            problems.append(problem)
    return records, problems


def format_line(path: str, num_samples: int, label: int) -> str:
    """One annotation line (without a newline).

    Args:
        path (str): Signal file relative to the dataset's signal folder.
        num_samples (int): Length of the record.
        label (int): Class index.

    Returns:
        str: ``'path num_samples label'``.

    Raises:
        ValueError: The path holds whitespace, or a number is invalid.
    """
    if not path or any(c.isspace() for c in path):
        raise ValueError(f'annotation path {path!r} is empty or holds '
                         'whitespace: the fields are whitespace-separated, '
                         'rename the file.')
    if int(num_samples) != num_samples or num_samples < 1:
        raise ValueError(f'{path}: num_samples must be a positive integer, '
                         f'got {num_samples}.')
    if int(label) != label or label < 0:
        raise ValueError(f'{path}: label must be a class index >= 0, got '
                         f'{label}.')
    return f'{path} {int(num_samples)} {int(label)}'


def write_annotation(ann_file: str, lines: Iterable[str]) -> int:
    """Write annotation lines (from :func:`format_line`), one per line.

    Args:
        ann_file (str): Output path; its folder must exist.
        lines (Iterable[str]): The lines, without newlines.

    Returns:
        int: Number of lines written.
    """
    count = 0
    with open(ann_file, 'w') as f:
        for line in lines:
            f.write(line + '\n')
            count += 1
    return count


def record_info(filename: str,
                num_samples: int,
                label: Optional[int] = None,
                sampling_rate: Optional[float] = None,
                **metainfo) -> dict:
    """The dict a record's pipeline starts from.

    Args:
        filename (str): Signal file (``data_prefix`` joined), or a name such
            as ``'<array>'`` for an in-memory signal.
        num_samples (int): Length ``T`` of the record.
        label (int, optional): Class index; left out when None (inference).
            Defaults to None.
        sampling_rate (float, optional): Hz, for transforms that need it
            (``ResampleSignal``, ``BaselineWander``). Defaults to None.
        **metainfo: Further keys (e.g. ``ann_file``, ``ann_line``,
            ``signal``).

    Returns:
        dict: ``filename``, ``num_samples``, ``total_frames`` (=
        ``num_samples``, what mmaction's ``SampleFrames`` reads),
        ``start_index`` (0), ``sampling_rate``, ``label`` when given, and
        ``metainfo``.
    """
    info = dict(
        filename=filename,
        num_samples=num_samples,
        total_frames=num_samples,
        start_index=0,
        sampling_rate=sampling_rate,
        **metainfo)
    if label is not None:
        info['label'] = label
    return info
