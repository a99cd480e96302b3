# Copyright (c) nl1d contributors. All rights reserved.
"""Class names: the class-name file written and read in one place, and
SignalDataset's ``metainfo['classes']`` from it (or from its arguments)."""
import pytest
from mmaction.registry import DATASETS

from nl1d.datasets.class_names import (classes_of_dataset_cfg,
                                       find_classes_file, format_classes,
                                       load_classes, resolve_classes,
                                       write_classes)

PIPELINE = [
    dict(type='LoadSignal'),
    dict(type='SampleWindows', clip_len=100),
    dict(type='PackSignalInputs')
]


def test_written_names_read_back(tmp_path):
    path = str(tmp_path / 'classes.txt')
    assert write_classes(path, ['no event', ' hypotension ']) == 2
    assert (tmp_path / 'classes.txt').read_text() == \
        '0 no event\n1 hypotension\n'
    assert load_classes(path) == ('no event', 'hypotension')
    assert load_classes(path, num_classes=2) == ('no event', 'hypotension')


def test_ucr_labels_as_names(tmp_path):
    """The UCR converter's `index original_label` lines are names too."""
    (tmp_path / 'classes.txt').write_text('0 -1\n1 1\n\n')
    assert load_classes(str(tmp_path / 'classes.txt')) == ('-1', '1')


@pytest.mark.parametrize('text, match', [
    ('', 'is empty'),
    ('0 rest\n\n1 AF\n', r'line 2 ``: expected `index name`'),
    ('0\n1 AF\n', r'line 1 `0`: expected `index name`'),
    ('zero rest\n', "line 1 `zero rest`: the index 'zero' is not an integer"),
    ('0 rest\n2 AF\n', 'line 2: index 2, expected 1'),
    ('1 AF\n0 rest\n', 'line 1: index 1, expected 0'),
    ('0 AF\n1 AF\n', "classes 0 and 1 are both named 'AF'"),
])
def test_bad_files_name_the_file_and_line(tmp_path, text, match):
    path = tmp_path / 'classes.txt'
    path.write_text(text)
    with pytest.raises(ValueError, match=match) as info:
        load_classes(str(path))
    assert str(path) in str(info.value)


def test_count_must_match_num_classes(tmp_path):
    path = tmp_path / 'classes.txt'
    write_classes(str(path), ['rest', 'AF'])
    with pytest.raises(ValueError, match=r"lists 2 class names \['rest', "
                       r"'AF'\] but num_classes=4"):
        load_classes(str(path), num_classes=4)


def test_missing_file_and_bad_names():
    with pytest.raises(FileNotFoundError, match='does not exist'):
        load_classes('/nonexistent/classes.txt')
    with pytest.raises(ValueError, match='non-empty one-line name'):
        format_classes(['a', ' '])
    with pytest.raises(ValueError, match='both named'):
        format_classes(['a', 'a'])


def test_variant_file_first_then_classes_txt(tmp_path):
    for name in ('train.txt', 'train_4cls.txt', 'train_fold1.txt'):
        (tmp_path / name).write_text('')
    assert find_classes_file(str(tmp_path / 'train.txt')) is None
    write_classes(str(tmp_path / 'classes.txt'), ['rest', 'AF'])
    write_classes(str(tmp_path / 'classes_4cls.txt'),
                  ['normal', 'AF', 'other rhythm', 'noisy'])
    assert find_classes_file(str(tmp_path / 'train.txt')) == \
        str(tmp_path / 'classes.txt')
    assert find_classes_file(str(tmp_path / 'train_4cls.txt')) == \
        str(tmp_path / 'classes_4cls.txt')
    assert find_classes_file(str(tmp_path / 'train_fold1.txt')) == \
        str(tmp_path / 'classes.txt')


def test_missing_variant_file_is_explained(tmp_path):
    write_classes(str(tmp_path / 'classes.txt'), ['rest', 'AF'])
    with pytest.raises(ValueError, match='Write its names to '
                       'classes_4cls.txt beside it'):
        resolve_classes(None, str(tmp_path / 'val_4cls.txt'), 4)


def test_given_names_are_checked():
    assert resolve_classes(['a', 'b'], None, 2) == ('a', 'b')
    with pytest.raises(ValueError, match='`classes` lists 3 class names'):
        resolve_classes(['a', 'b', 'c'], None, 2)


def test_classes_of_a_dataset_config(tmp_path):
    write_classes(str(tmp_path / 'classes.txt'), ['rest', 'AF'])
    cfg = dict(type='SignalDataset', data_root=str(tmp_path),
               ann_file='test.txt', num_classes=2)
    assert classes_of_dataset_cfg(cfg) == ('rest', 'AF')
    assert classes_of_dataset_cfg(dict(cfg, classes=['x', 'y'])) == ('x',
                                                                     'y')
    assert classes_of_dataset_cfg(
        dict(cfg, metainfo=dict(classes=('u', 'v')))) == ('u', 'v')
    assert classes_of_dataset_cfg(dict(cfg, data_root=str(tmp_path / 'no'))
                                  ) is None


# ------------------------------------------------------------ SignalDataset
def _build(ann, root, **kwargs):
    cfg = dict(type='SignalDataset', ann_file=str(ann),
               data_prefix=dict(signal=str(root)), pipeline=PIPELINE,
               num_classes=2)
    cfg.update(kwargs)
    return DATASETS.build(cfg)


def test_dataset_reads_classes_txt(make_records):
    ann, root = make_records([300, 300])
    assert 'classes' not in _build(ann, root).metainfo  # indices
    write_classes(str(root / 'classes.txt'), ['rest', 'AF'])
    dataset = _build(ann, root)
    assert dataset.metainfo['classes'] == ('rest', 'AF')
    # through data_root, as the configs give it
    dataset = _build('train.txt', root, data_root=str(root))
    assert dataset.metainfo['classes'] == ('rest', 'AF')
    # and into the metrics: the Runner sets evaluator.dataset_meta so
    wrapped = DATASETS.build(dict(type='RepeatDataset', times=2, dataset=dict(
        type='SignalDataset', ann_file=str(ann), pipeline=PIPELINE,
        data_prefix=dict(signal=str(root)))))
    assert wrapped.metainfo['classes'] == ('rest', 'AF')


def test_given_classes_win_over_the_file(make_records):
    ann, root = make_records([300, 300])
    write_classes(str(root / 'classes.txt'), ['rest', 'AF'])
    assert _build(ann, root, classes=['neg', 'pos']).metainfo['classes'] \
        == ('neg', 'pos')
    assert _build(ann, root, metainfo=dict(classes=['n', 'p'])
                  ).metainfo['classes'] == ('n', 'p')
    write_classes(str(root / 'names.txt'), ['a', 'b'])
    assert _build('train.txt', root, data_root=str(root),
                  classes='names.txt').metainfo['classes'] == ('a', 'b')
    with pytest.raises(ValueError, match='give the class names once'):
        _build(ann, root, classes=['a', 'b'], metainfo=dict(classes=['a',
                                                                     'b']))


def test_bad_classes_file_stops_the_dataset(make_records):
    ann, root = make_records([300, 300])
    (root / 'classes.txt').write_text('0 rest\n1 AF\n2 other\n')
    with pytest.raises(ValueError) as info:
        _build(ann, root)
    message = str(info.value)
    assert str(ann) in message and str(root / 'classes.txt') in message
    assert 'lists 3 class names' in message and 'num_classes=2' in message
    with pytest.raises(ValueError, match='`classes` lists 1 class names'):
        _build(ann, root, classes=['only'])
