# Copyright (c) nl1d contributors. All rights reserved.
"""Class names of a dataset, read and written in one place.

A converter writes a class-name file beside the annotation files it writes,
one class per line, the class index and its name separated by whitespace::

    0 rest
    1 AF

Indices run ``0..K-1`` in order; a name is the rest of its line (it may hold
spaces, e.g. ``0 no event``). :class:`~nl1d.datasets.SignalDataset` reads
the file beside its annotation file (:func:`find_classes_file`) into
``metainfo['classes']``, which mmengine hands to the metrics and the
visualizer as ``dataset_meta`` and stores in every checkpoint's
``meta['dataset_meta']``, where :func:`~nl1d.apis.init_recognizer`, the
demo and the ONNX exporter find it.

An annotation file ``SPLIT_VARIANT.txt`` (e.g. CinC 2017's
``train_4cls.txt``) takes ``classes_VARIANT.txt`` when that file exists, so
one folder can hold several label sets; every other annotation file takes
``classes.txt``.
"""
import os.path as osp
import re
from typing import Any, Iterable, Optional, Sequence, Tuple, Union

from mmengine.fileio import exists, list_from_file

#: The class-name file every annotation file of a folder shares.
CLASSES_FILE = 'classes.txt'

#: The form error messages quote.
CLASSES_FORMAT = '`index name`, indices 0..K-1 in order'


def format_classes(names: Iterable[str]) -> list:
    """Lines ``'index name'`` of a class-name file (without newlines).

    Args:
        names (Iterable[str]): Class names in index order.

    Returns:
        list[str]: One line per class.

    Raises:
        ValueError: A name is empty, spans lines or repeats another.
    """
    names = [str(name).strip() for name in names]
    _check_names(names, 'class names')
    return [f'{index} {name}' for index, name in enumerate(names)]


def write_classes(path: str, names: Iterable[str]) -> int:
    """Write a class-name file (:data:`CLASSES_FILE` format).

    Args:
        path (str): Output file; its folder must exist.
        names (Iterable[str]): Class names in index order.

    Returns:
        int: Number of classes written.
    """
    lines = format_classes(names)
    with open(path, 'w') as f:
        f.writelines(line + '\n' for line in lines)
    return len(lines)


def load_classes(path: str,
                 num_classes: Optional[int] = None) -> Tuple[str, ...]:
    """Read a class-name file.

    Args:
        path (str): The file (or URI of an mmengine file backend).
        num_classes (int, optional): The number of names it must hold.
            Defaults to None (not checked).

    Returns:
        tuple[str]: The names, index order.

    Raises:
        FileNotFoundError: The file does not exist.
        ValueError: A line is malformed, an index is out of order, a name
            is empty or repeated, or the count differs from
            ``num_classes``; the message names the file, the line and the
            fix.
    """
    if not exists(path):
        raise FileNotFoundError(
            f'class-name file {path} does not exist: write one line '
            f'{CLASSES_FORMAT} per class, or leave `classes` unset.')
    lines = list_from_file(path)
    while lines and not lines[-1].strip():
        lines.pop()
    if not lines:
        raise ValueError(f'class-name file {path} is empty: write one line '
                         f'{CLASSES_FORMAT} per class.')
    names = []
    for line_no, line in enumerate(lines, start=1):
        fields = line.split(maxsplit=1)
        where = f'class-name file {path}, line {line_no}'
        if len(fields) != 2:
            raise ValueError(
                f'{where} `{line.strip()}`: expected {CLASSES_FORMAT} (an '
                'index, whitespace, then the name).')
        try:
            index = int(fields[0])
        except ValueError:
            raise ValueError(f'{where} `{line.strip()}`: the index '
                             f'{fields[0]!r} is not an integer '
                             f'({CLASSES_FORMAT}).') from None
        if index != line_no - 1:
            raise ValueError(
                f'{where}: index {index}, expected {line_no - 1}: list the '
                f'classes in index order, one per line ({CLASSES_FORMAT}).')
        names.append(fields[1].strip())
    _check_names(names, f'class-name file {path}')
    check_class_count(names, num_classes, f'class-name file {path}')
    return tuple(names)


def check_class_count(names: Sequence[str], num_classes: Optional[int],
                      source: str) -> None:
    """Refuse a list of names whose length is not ``num_classes``.

    Args:
        names (Sequence[str]): The names.
        num_classes (int, optional): The expected count; None accepts any.
        source (str): Where the names came from, for the message.

    Raises:
        ValueError: The counts differ.
    """
    if num_classes is not None and len(names) != num_classes:
        raise ValueError(
            f'{source} lists {len(names)} class names {list(names)[:10]} '
            f'but num_classes={num_classes}: give one name per class, or '
            'fix num_classes.')


def _check_names(names: Sequence[str], source: str) -> None:
    """Refuse empty, multi-line or repeated names."""
    for index, name in enumerate(names):
        if not name or '\n' in name or '\r' in name:
            raise ValueError(f'{source}: the name of class {index} is '
                             f'{name!r}; give a non-empty one-line name.')
    seen = {}
    for index, name in enumerate(names):
        if name in seen:
            raise ValueError(
                f'{source}: classes {seen[name]} and {index} are both named '
                f'{name!r}; give every class its own name.')
        seen[name] = index


def find_classes_file(ann_file: str) -> Optional[str]:
    """The class-name file of an annotation file, if there is one.

    Args:
        ann_file (str): The annotation file.

    Returns:
        str | None: ``classes_VARIANT.txt`` beside ``SPLIT_VARIANT.txt``
        when it exists, else ``classes.txt`` beside it when that exists,
        else None.
    """
    folder = osp.dirname(ann_file)
    stem = osp.splitext(osp.basename(ann_file))[0]
    candidates = []
    if '_' in stem:
        candidates.append(f'classes_{stem.split("_", 1)[1]}.txt')
    candidates.append(CLASSES_FILE)
    for name in candidates:
        path = osp.join(folder, name)
        if exists(path):
            return path
    return None


def resolve_classes(classes: Union[str, Sequence[str], None],
                    ann_file: Optional[str],
                    num_classes: Optional[int] = None
                    ) -> Optional[Tuple[str, ...]]:
    """A dataset's class names: given, read from a given file, or read from
    the file beside its annotation file.

    Args:
        classes (str | Sequence[str] | None): Names, or the path of a
            class-name file; None looks beside ``ann_file``.
        ann_file (str, optional): The dataset's annotation file (already
            joined with ``data_root``).
        num_classes (int, optional): The number of names required.
            Defaults to None.

    Returns:
        tuple[str] | None: The names, or None when none are given and no
        file exists.
    """
    if isinstance(classes, str):
        return load_classes(classes, num_classes)
    if classes is not None:
        names = [str(name).strip() for name in classes]
        _check_names(names, '`classes`')
        check_class_count(names, num_classes, '`classes`')
        return tuple(names)
    path = find_classes_file(ann_file) if ann_file else None
    if path is None:
        return None
    try:
        return load_classes(path, num_classes)
    except ValueError as e:
        stem = osp.splitext(osp.basename(ann_file))[0]
        if '_' not in stem or osp.basename(path) != CLASSES_FILE:
            raise
        variant = f'classes_{stem.split("_", 1)[1]}.txt'
        raise ValueError(
            f'{e} ({osp.basename(ann_file)} has a label set of its own? '
            f'Write its names to {variant} beside it.)') from None


def _joined(data_root: Optional[str], path: str) -> str:
    """``path`` under ``data_root``, as mmengine's ``BaseDataset`` joins."""
    if data_root and not osp.isabs(path) and '://' not in path:
        return osp.join(data_root, path)
    return path


def classes_of_dataset_cfg(dataset: dict) -> Optional[Tuple[str, ...]]:
    """The class names a ``SignalDataset`` config would give, without
    building the dataset (its records are not read).

    Args:
        dataset (dict): A dataset config (``ann_file``, optionally
            ``data_root``, ``classes``, ``metainfo``, ``num_classes``).

    Returns:
        tuple[str] | None: The names, or None.
    """
    data_root = dataset.get('data_root')
    classes = dataset.get('classes')
    if classes is None:
        classes = (dataset.get('metainfo') or {}).get('classes')
    if isinstance(classes, str):
        classes = _joined(data_root, classes)
    ann_file = dataset.get('ann_file')
    if ann_file:
        ann_file = _joined(data_root, ann_file)
    return resolve_classes(classes, ann_file, dataset.get('num_classes'))


#: Characters a terminal or a text viewer acts on instead of showing: C0
#: controls (ESC starts ANSI sequences; CR, LF, TAB, BS), DEL, C1 controls
#: (CSI is U+009B), the bidirectional controls ("Trojan Source"), the line
#: and paragraph separators, and lone surrogates (unprintable).
_UNSAFE_CHARS = re.compile(r'[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f'
                           r'\u2028-\u202e\u2066-\u2069\ud800-\udfff]')

#: First characters that make a spreadsheet read a CSV cell as a formula
#: (OWASP "CSV Injection"); tab and CR are escaped before this check.
_FORMULA_PREFIXES = ('=', '+', '-', '@')

#: A plain number, which a spreadsheet reads as such (kept as it is).
_NUMBER = re.compile(r'[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?')


def _escape_char(match: 're.Match') -> str:
    code = ord(match.group())
    return f'\\x{code:02x}' if code < 0x100 else f'\\u{code:04x}'


def escape_control_chars(text: Any) -> str:
    """``str(text)`` with every character a terminal would act on (ANSI
    escape sequences, ``\\r``, ``\\n``, other C0/C1 controls,
    bidirectional overrides) written as a visible escape (``\\x1b``,
    ``\\u202e``), for printing names that come from a file (a checkpoint,
    a model's metadata) to a terminal or a log.

    Args:
        text (Any): A class name (or any value; converted with ``str``).

    Returns:
        str: The same text when it holds no such character.

    Examples:
        >>> escape_control_chars('AF\\x1b[2J')
        'AF\\\\x1b[2J'
    """
    return _UNSAFE_CHARS.sub(_escape_char, str(text))


def csv_safe_cell(value: Any) -> Any:
    """A CSV cell that neither a terminal nor a spreadsheet acts on.

    Text is escaped (:func:`escape_control_chars`), and text starting with
    ``=``, ``+``, ``-`` or ``@`` gets a leading single quote, so that a
    spreadsheet shows it instead of evaluating it as a formula (OWASP's
    advice on CSV injection). Numbers, and text that is a plain number
    (``-0.25``, ``1e-3``), are kept as they are.

    Args:
        value (Any): The cell.

    Returns:
        Any: ``value`` itself for numbers, bools and None, else the safe
        text.

    Examples:
        >>> csv_safe_cell('=HYPERLINK("http://x")')
        '\\'=HYPERLINK("http://x")'
        >>> csv_safe_cell('-0.25')
        '-0.25'
    """
    if value is None or isinstance(value, (bool, int, float)):
        return value
    text = escape_control_chars(value)
    if text.startswith(_FORMULA_PREFIXES) and not _NUMBER.fullmatch(text):
        text = "'" + text
    return text


__all__ = [
    'CLASSES_FILE', 'format_classes', 'write_classes', 'load_classes',
    'check_class_count', 'find_classes_file', 'resolve_classes',
    'classes_of_dataset_cfg', 'escape_control_chars', 'csv_safe_cell'
]
