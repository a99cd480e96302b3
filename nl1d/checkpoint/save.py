# Copyright (c) nl1d contributors. All rights reserved.
"""Writing files so that a process killed mid-write leaves the old file or
the new one, never a truncated one.

:func:`atomic_write` writes to a temporary file in the same folder, fsyncs
it and ``os.replace``-s it over the target; :class:`AtomicLocalBackend`
(``backend_args=dict(backend='local_atomic')``) makes mmengine's
checkpoint writes go through it.
"""
import os
import os.path as osp
import tempfile
from typing import Union

from mmengine.fileio import LocalBackend, register_backend


def atomic_write(data: Union[bytes, str], path: str) -> None:
    """Write ``data`` to ``path`` so that readers see all of it or none.

    The bytes go to a temporary file in the same folder, are flushed to disk
    (``fsync``) and the file is renamed over ``path`` (``os.replace`` is
    atomic on POSIX and Windows).

    Args:
        data (bytes | str): The content; ``str`` is written as UTF-8.
        path (str): The destination; its folder is created if needed.
    """
    folder = osp.dirname(osp.abspath(path))
    os.makedirs(folder, exist_ok=True)
    if isinstance(data, str):
        data = data.encode('utf-8')
    fd, tmp = tempfile.mkstemp(
        dir=folder, prefix=f'.{osp.basename(path)}.', suffix='.tmp')
    try:
        with os.fdopen(fd, 'wb') as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if osp.exists(tmp):
            os.remove(tmp)
        raise
    if hasattr(os, 'O_DIRECTORY'):  # make the rename itself durable
        dir_fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


class AtomicLocalBackend(LocalBackend):
    """mmengine's local file backend with atomic writes.

    Select it with ``backend_args=dict(backend='local_atomic')``
    (``AtomicCheckpointHook`` does so by default).
    """

    def put(self, obj: bytes, filepath: Union[str, os.PathLike]) -> None:
        """Write bytes to ``filepath`` atomically (see :func:`atomic_write`).

        Args:
            obj (bytes): Data to be written.
            filepath (str | PathLike): Path to write data to.
        """
        atomic_write(obj, str(filepath))

    def put_text(self,
                 obj: str,
                 filepath: Union[str, os.PathLike],
                 encoding: str = 'utf-8') -> None:
        """Write text to ``filepath`` atomically.

        Args:
            obj (str): Text to be written.
            filepath (str | PathLike): Path to write text to.
            encoding (str): The encoding. Defaults to ``'utf-8'``.
        """
        atomic_write(obj.encode(encoding), str(filepath))


register_backend('local_atomic', AtomicLocalBackend, force=True)
