# Copyright (c) nl1d contributors. All rights reserved.
"""The annotation format: written and parsed in one module."""
import pytest

from nl1d.datasets.annotation import (AnnotationRecord, format_line,
                                      label_problem, load_annotation,
                                      parse_line, record_info,
                                      write_annotation)


def test_written_lines_parse_back(tmp_path):
    ann = str(tmp_path / 'train.txt')
    lines = [format_line('signals/a.npy', 2048, 1),
             format_line('signals/b/c.npy', 7, 0)]
    assert lines[0] == 'signals/a.npy 2048 1'
    assert write_annotation(ann, lines) == 2
    records, problems = load_annotation(ann, num_classes=2)
    assert problems == []
    assert records == [AnnotationRecord('signals/a.npy', 2048, 1, 1),
                       AnnotationRecord('signals/b/c.npy', 7, 0, 2)]


@pytest.mark.parametrize('args, match', [
    (('my signal.npy', 10, 0), 'whitespace'),
    (('a.npy', 0, 0), 'num_samples'),
    (('a.npy', 10, -1), 'label'),
    (('a.npy', 10.5, 0), 'num_samples'),
])
def test_format_line_refuses_what_cannot_be_parsed(args, match):
    with pytest.raises(ValueError, match=match):
        format_line(*args)


@pytest.mark.parametrize('line, problem', [
    ('', 'line 4 is empty'),
    ('a.npy 10', 'has 2 fields, expected 3'),
    ('a.npy ten 1', 'num_samples and label must be integers'),
    ('a.npy 0 1', 'num_samples is 0'),
    ('a.npy 10 3', 'label 3 is outside [0, num_classes=3)'),
])
def test_parse_line_names_the_line_and_the_fix(line, problem):
    record, message = parse_line(line, 4, num_classes=3)
    assert record is None and problem in message
    assert message.startswith('line 4')


def test_load_annotation_collects_every_problem(tmp_path):
    ann = tmp_path / 'val.txt'
    ann.write_text('a.npy 10 0\n\nb.npy 10\nc.npy 10 5\n\n\n')
    records, problems = load_annotation(str(ann), num_classes=2)
    assert [r.path for r in records] == ['a.npy']
    assert [p.split()[1].rstrip(':') for p in problems] == ['2', '3', '4']
    (tmp_path / 'empty.txt').write_text('\n')
    assert 'lists no record' in load_annotation(
        str(tmp_path / 'empty.txt'))[1][0]
    with pytest.raises(FileNotFoundError, match='run the converter'):
        load_annotation(str(tmp_path / 'missing.txt'))


def test_label_problem():
    assert label_problem(1, 2) is None
    assert label_problem(5, None) is None
    assert 'outside [0, num_classes=None)' in label_problem(-1, None)


def test_record_info_is_what_the_pipeline_reads():
    info = record_info('x.npy', 300, label=1, sampling_rate=100.0,
                       ann_line=3)
    assert info == dict(filename='x.npy', num_samples=300, total_frames=300,
                        start_index=0, sampling_rate=100.0, label=1,
                        ann_line=3)
    assert 'label' not in record_info('<array>', 300)
