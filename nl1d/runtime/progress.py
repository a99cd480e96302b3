# Copyright (c) nl1d contributors. All rights reserved.
"""Progress on the terminal that stays short in a log file.

- :class:`ProgressBar`: mmengine's bar, redrawn in place on a terminal; when
  the output is not a terminal (a log file, CI) it writes a few whole lines
  instead of one per item (the start, every quarter, the end).
- :func:`track`: iterate with a :class:`ProgressBar`.

The Runner hook that tells a training as a short story is
:class:`nl1d.engine.hooks.ProgressBarHook`.
"""
import math
import sys
from typing import IO, Iterable, Iterator, Optional, TypeVar

from mmengine.utils import ProgressBar as _MMProgressBar

T = TypeVar('T')


def is_terminal(file: IO) -> bool:
    """Whether ``file`` is an interactive terminal."""
    isatty = getattr(file, 'isatty', None)
    try:
        return bool(isatty and isatty())
    except ValueError:  # a closed file
        return False


def duration(seconds: float) -> str:
    """``75.2`` -> ``'1m15s'``, ``8.4`` -> ``'8s'``."""
    seconds = int(seconds + 0.5)
    if seconds < 60:
        return f'{seconds}s'
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f'{minutes}m{seconds:02d}s'
    hours, minutes = divmod(minutes, 60)
    return f'{hours}h{minutes:02d}m'


class ProgressBar(_MMProgressBar):
    """mmengine's :class:`~mmengine.utils.ProgressBar`, short in log files.

    On a terminal it is mmengine's bar, redrawn in place, ended with a
    newline once the last task is done. Elsewhere it writes whole lines,
    ``{title}: {done}/{total} ({percent}%), {rate} task/s, elapsed {t},
    ETA {t}``, at the start, each time another ``1 / milestones`` of the
    tasks is done and at the end: ``milestones + 1`` lines whatever the
    number of tasks (3,000 converted records give 5 lines, not 3,000).
    With an unknown total (``task_num=0``) it writes a line after 1, 10,
    100, ... tasks.

    Args:
        task_num (int): Number of tasks. Defaults to 0 (unknown).
        bar_width (int): Width of the bar on a terminal. Defaults to 50.
        start (bool): Start the bar in the constructor. Defaults to True.
        file (IO, optional): Where to write. Defaults to ``sys.stdout`` (at
            construction time).
        title (str): Name of the work, the start of each line written when
            the output is not a terminal. Defaults to ``'progress'``.
        milestones (int): Lines between the start and the end when the
            output is not a terminal. Defaults to 4 (every 25%).

    Examples:
        >>> bar = ProgressBar(3000, title='convert')
        >>> for record in records:
        ...     convert(record)
        ...     bar.update()
    """

    def __init__(self,
                 task_num: int = 0,
                 bar_width: int = 50,
                 start: bool = True,
                 file: Optional[IO] = None,
                 title: str = 'progress',
                 milestones: int = 4) -> None:
        file = sys.stdout if file is None else file
        self.title = title
        self.milestones = max(1, int(milestones))
        self.interactive = is_terminal(file)
        self._next_line = 0
        super().__init__(
            task_num=task_num, bar_width=bar_width, start=start, file=file)

    def start(self) -> None:
        """Write the start (the empty bar, or a first line)."""
        if self.interactive:
            super().start()
            return
        from mmengine.utils import Timer
        self.timer = Timer()
        total = f'/{self.task_num}' if self.task_num > 0 else ''
        self.file.write(f'{self.title}: 0{total}\n')
        self.file.flush()
        self._next_line = self._milestone(1)

    def _milestone(self, index: int) -> int:
        """Tasks done at the ``index``-th line after the start."""
        if self.task_num > 0:
            return math.ceil(self.task_num * index / self.milestones)
        return 10**(index - 1)

    def update(self, num_tasks: int = 1) -> None:
        """Count ``num_tasks`` more done tasks.

        Args:
            num_tasks (int): Tasks done since the last update. Defaults to 1.
        """
        if self.interactive:
            super().update(num_tasks)
            if 0 < self.task_num <= self.completed:
                self.file.write('\n')
                self.file.flush()
            return
        if num_tasks <= 0:
            raise ValueError(f'num_tasks must be positive, got {num_tasks}.')
        self.completed += num_tasks
        if self.completed < self._next_line:
            return
        elapsed = self.timer.since_start()
        rate = self.completed / elapsed if elapsed > 0 else float('inf')
        if self.task_num > 0:
            done = min(self.completed, self.task_num)
            eta = elapsed * (self.task_num - done) / max(done, 1)
            line = (f'{self.title}: {self.completed}/{self.task_num} '
                    f'({100 * done // self.task_num}%), {rate:.1f} task/s, '
                    f'elapsed {duration(elapsed)}, ETA {duration(eta)}')
        else:
            line = (f'{self.title}: {self.completed}, {rate:.1f} task/s, '
                    f'elapsed {duration(elapsed)}')
        self.file.write(line + '\n')
        self.file.flush()
        index = 1
        while self._milestone(index) <= self.completed:
            index += 1
        self._next_line = self._milestone(index)


def track(iterable: Iterable[T],
          total: Optional[int] = None,
          title: str = 'progress',
          file: Optional[IO] = None) -> Iterator[T]:
    """Yield the items of ``iterable`` while a :class:`ProgressBar` counts
    them.

    Args:
        iterable (Iterable): The items.
        total (int, optional): Their number. Defaults to ``len(iterable)``
            when it has one, else unknown.
        title (str): See :class:`ProgressBar`. Defaults to ``'progress'``.
        file (IO, optional): Where to write. Defaults to ``sys.stdout``.

    Yields:
        The items of ``iterable``.
    """
    if total is None:
        total = len(iterable) if hasattr(iterable, '__len__') else 0
    bar = ProgressBar(total, file=file, title=title)
    for item in iterable:
        yield item
        bar.update()
