# Copyright (c) nl1d contributors. All rights reserved.
"""ProgressBar: a bar redrawn in place on a terminal, a few whole lines in
a log file."""
import io

from nl1d.runtime.progress import ProgressBar, track


class _Terminal(io.StringIO):

    def isatty(self) -> bool:
        return True


def test_log_file_gets_a_few_lines_whatever_the_count():
    out = io.StringIO()
    bar = ProgressBar(3000, file=out, title='convert')
    for _ in range(3000):
        bar.update()
    lines = out.getvalue().splitlines()
    assert len(lines) == 5  # the start, 25%, 50%, 75%, the end
    assert lines[0] == 'convert: 0/3000'
    assert lines[1].startswith('convert: 750/3000 (25%)')
    assert lines[-1].startswith('convert: 3000/3000 (100%)')
    assert '\r' not in out.getvalue()


def test_few_tasks_and_unknown_total():
    out = io.StringIO()
    list(track(range(2), title='two', file=out))
    lines = out.getvalue().splitlines()
    assert len(lines) == 3 and lines[0] == 'two: 0/2'
    assert lines[1].startswith('two: 1/2 (50%)')
    assert lines[2].startswith('two: 2/2 (100%)')
    out = io.StringIO()
    bar = ProgressBar(0, file=out, title='records')
    for _ in range(250):
        bar.update()
    counts = [line.split(',')[0] for line in out.getvalue().splitlines()]
    assert counts == ['records: 0', 'records: 1', 'records: 10',
                      'records: 100']


def test_terminal_gets_mmengines_bar_in_place():
    out = _Terminal()
    bar = ProgressBar(10, file=out, title='x')
    for _ in range(10):
        bar.update()
    text = out.getvalue()
    assert text.count('\r') == 10 and text.endswith('\n')
    assert text.count('\n') == 1
