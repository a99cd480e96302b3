# Copyright (c) nl1d contributors. All rights reserved.
"""Converters write a few progress lines to a log, not one per record."""
from nl1d.datasets import ucr


def test_ucr_converter_progress_in_a_log_is_a_few_lines(tmp_path, capsys):
    src = tmp_path / 'src' / 'Toy'
    src.mkdir(parents=True)
    rows = ''.join(f'{c}\t1\t2\t3\t4\n' for c in (-1, 1) * 150)
    (src / 'Toy_TRAIN.tsv').write_text(rows)
    (src / 'Toy_TEST.tsv').write_text(rows)
    ucr.convert(str(tmp_path / 'src'), 'Toy', str(tmp_path / 'out'))
    out = capsys.readouterr().out  # not a terminal
    progress = [line for line in out.splitlines()
                if line.startswith('convert:')]
    assert len(progress) == 5, out  # 600 series: start, 25%, ..., 100%
    assert progress[-1].startswith('convert: 600/600 (100%)')
    assert '\r' not in out
