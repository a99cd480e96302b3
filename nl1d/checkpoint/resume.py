# Copyright (c) nl1d contributors. All rights reserved.
"""Finding the checkpoint a run can resume from.

:func:`find_resumable_checkpoint` trusts ``work_dir/last_checkpoint`` only
when it names a complete file, and otherwise falls back to the newest
complete ``epoch_*.pth`` / ``iter_*.pth``.
"""
import os
import os.path as osp
import re
import zipfile
from typing import Optional

_CKPT_NAME = re.compile(r'^(epoch|iter)_(\d+)\.pth$')


def is_complete_checkpoint(path: str) -> bool:
    """Whether ``path`` is a whole ``torch.save`` zip archive.

    A truncated archive lacks its central directory (written last), so this
    catches a file cut short by a kill without reading the whole file.

    Args:
        path (str): A file path.

    Returns:
        bool: True if the file exists and its zip structure is intact.
    """
    if not osp.isfile(path):
        return False
    try:
        with zipfile.ZipFile(path) as archive:
            return len(archive.namelist()) > 0
    except (zipfile.BadZipFile, OSError):
        return False


def find_resumable_checkpoint(work_dir: str) -> Optional[str]:
    """The newest complete checkpoint of a run in ``work_dir``.

    ``work_dir/last_checkpoint`` is used when it names a complete file;
    otherwise (missing, truncated, or naming a file that was removed or cut
    short) the newest complete ``epoch_N.pth`` / ``iter_N.pth`` in
    ``work_dir`` is returned.

    Args:
        work_dir (str): The run's work dir.

    Returns:
        str | None: A checkpoint path, or None when there is none.
    """
    pointer = osp.join(work_dir, 'last_checkpoint')
    if osp.isfile(pointer):
        with open(pointer) as f:
            named = f.read().strip()
        if named and is_complete_checkpoint(named):
            return named
    if not osp.isdir(work_dir):
        return None
    found = []
    for name in os.listdir(work_dir):
        match = _CKPT_NAME.match(name)
        if match:
            found.append((int(match.group(2)), name))
    for _, name in sorted(found, reverse=True):
        path = osp.join(work_dir, name)
        if is_complete_checkpoint(path):
            return path
    return None
