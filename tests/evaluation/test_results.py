# Copyright (c) nl1d contributors. All rights reserved.
"""nl1d/evaluation/results/: result files are data.

The ``.json`` format round-trips what ``DumpResults`` holds; a legitimate
``DumpResults`` pickle loads exactly as ``pickle.load`` loads it; a crafted
pickle is refused before it runs (each payload is shown to run under plain
``pickle.load`` in the same test); small crafted files cannot make the
reader allocate or loop far beyond their size; malformed files are named
with what is wrong."""
import glob
import json
import os.path as osp
import pickle
import time
import tracemalloc

import numpy as np
import pytest
import torch
from mmaction.structures import ActionDataSample
from mmengine.evaluator import Evaluator
from mmengine.registry import init_default_scope

import nl1d  # noqa: F401  (registers the metrics)
from nl1d.evaluation import (ResultFileError, UnsafeResultFileError,
                             load_results, save_results)
from nl1d.evaluation.metrics import DumpResults
from nl1d.evaluation.results import JSON_FORMAT
from nl1d.evaluation.results.unpickler import _GLOBALS
from nl1d.evaluation.score_fusion import load_dumps
from tests.evaluation.result_payloads import (
    APPEND, BUILD, EMPTY_LIST, LIST, MARK, NEWFALSE, PAYLOADS, PROTO, REFUSED,
    STOP, as_dump, assert_payload_is_live, assert_same_records, call,
    get, glob as pickle_global, integer, ints, latin1, ndarray_op, put,
    storage_of, tensor_op, text, write_payload)


def _records():
    """Records with every kind of value DumpResults writes, and more."""
    batch = torch.tensor([[0.1, 0.9], [0.7, 0.3]])
    return [
        dict(pred_score=batch[0], pred_label=torch.tensor([1]),
             gt_label=torch.tensor([1]), filename='a.npy', sample_idx=0,
             frame_inds=np.arange(6, dtype=np.int32).reshape(2, 3),
             mask=np.array([True, False]), half=torch.ones(2).bfloat16(),
             rate=np.float64(250.0), scalar=torch.tensor(3),
             meta=dict(site='x', arr=np.ones(2)), missing=None,
             pred_class='AF', note='ü'),
        dict(pred_score=batch[1], pred_label=torch.tensor([0]),
             gt_label=torch.tensor([1]), filename='b.npy', sample_idx=1,
             frame_inds=np.arange(6, dtype=np.int32).reshape(2, 3),
             mask=np.array([False, False]), half=torch.zeros(2).bfloat16(),
             rate=np.float64(250.0), scalar=torch.tensor(4),
             meta=dict(site='y', arr=np.zeros(2)), missing=torch.ones(1),
             pred_class='rest', note=float('nan')),
    ]


# ------------------------------------------------------------------- JSON
def test_json_round_trip_gives_back_tensors_and_arrays(tmp_path):
    records = _records()
    path = str(tmp_path / 'sub' / 'result.json')
    save_results(records, path)
    assert glob.glob(str(tmp_path / 'sub' / '.*')) == []  # no temp file
    with open(path, encoding='utf-8') as f:
        doc = json.load(f)  # plain JSON anyone can read
    assert doc['format'] == JSON_FORMAT and doc['version'] == 1
    first = doc['records'][0]
    assert first['pred_score'] == pytest.approx([0.1, 0.9])
    assert first['gt_label'] == [1] and first['frame_inds'][1] == [3, 4, 5]
    assert doc['arrays']['pred_score'] == dict(type='tensor',
                                               dtype='float32')
    assert doc['arrays']['frame_inds'] == dict(type='ndarray',
                                               dtype='int32')
    assert doc['arrays']['half'] == dict(type='tensor', dtype='bfloat16')
    # a field with a tensor in one record and None in another keeps both
    assert doc['arrays']['missing'] == dict(type='tensor', dtype='float32')

    loaded = load_results(path)
    expected = _records()
    for record in expected:  # what JSON cannot tell apart
        record['rate'] = float(record['rate'])  # numpy scalar -> float
        record['meta']['arr'] = record['meta']['arr'].tolist()  # nested
        record['pred_score'] = record['pred_score'].clone()  # own storage
    assert_same_records(expected, loaded)


def test_a_field_of_mixed_kinds_is_written_as_plain_values(tmp_path):
    path = str(tmp_path / 'r.json')
    save_results([dict(x=torch.tensor([1.5])), dict(x=7),
                  dict(x=np.array([2], np.int64))], path)
    with open(path) as f:
        assert json.load(f)['arrays'] == {}
    assert [r['x'] for r in load_results(path)] == [[1.5], 7, [2]]


def test_bare_json_list_is_read_as_is(tmp_path):
    path = tmp_path / 'r.json'
    path.write_text('[{"pred_score": [0.2, 0.8], "gt_label": 1}]')
    assert load_results(str(path)) == [dict(pred_score=[0.2, 0.8],
                                             gt_label=1)]


def test_a_value_json_cannot_hold_is_named_and_nothing_written(tmp_path):
    path = tmp_path / 'r.json'
    with pytest.raises(ResultFileError,
                       match=r"r.json: record 1\['meta'\] is a "
                       r'builtins.object.*Dump to .pkl'):
        save_results([dict(a=1), dict(meta=object())], str(path))
    with pytest.raises(ResultFileError, match='holds complex128 values'):
        save_results([dict(a=np.ones(2, complex))], str(path))
    with pytest.raises(ResultFileError, match='record 0 is a list'):
        save_results([[1]], str(path))
    assert list(tmp_path.iterdir()) == []


BAD_JSON = [
    ('{"format": "nl1d-results", "records": [', 'is not valid JSON'),
    ('{"records": []}', 'is neither an nl1d-results document'),
    ('{"format": "nl1d-results", "version": 2, "records": []}',
     'is version 2 of nl1d-results'),
    ('{"format": "nl1d-results", "version": 1, "records": {}}',
     '"records" must be a list'),
    ('{"format": "nl1d-results", "version": 1, "records": [], '
     '"arrays": {"x": {"type": "tensor", "dtype": "object"}}}',
     r'"arrays"\[\'x\'\] is'),
    ('{"format": "nl1d-results", "version": 1, "records": [{"x": [1, [2]]}],'
     ' "arrays": {"x": {"type": "ndarray", "dtype": "int64"}}}',
     r"record 0, field 'x' is not a rectangular array of int64"),
    ('{"format": "nl1d-results", "version": 1, "records": [{"x": "s"}],'
     ' "arrays": {"x": {"type": "tensor", "dtype": "float32"}}}',
     r"field 'x' is a str, but the file's \"arrays\" lists it as a tensor"),
    ('[1]', 'record 0 is a int, not a dict'),
    ('[{"x": ' + '[' * 40 + ']' * 40 + '}]', 'nests deeper than 32'),
    ('[{"x": ' + '[' * 5000 + ']' * 5000 + '}]', 'nests too deeply'),
    ('[{"x": ' + '9' * 5000 + '}]', 'is not valid JSON'),
]


@pytest.mark.parametrize('content,message', BAD_JSON)
def test_malformed_json_is_named_with_what_is_wrong(tmp_path, content,
                                                    message):
    path = tmp_path / 'bad.json'
    path.write_text(content)
    with pytest.raises(ResultFileError, match=message) as error:
        load_results(str(path))
    assert str(path) in str(error.value)


def test_non_utf8_json_and_unknown_suffix_and_missing_file(tmp_path):
    path = tmp_path / 'bad.json'
    path.write_bytes(b'[{"a": "\xff"}]')
    with pytest.raises(ResultFileError, match='bad.json is not UTF-8'):
        load_results(str(path))
    with pytest.raises(ResultFileError, match=r'result.txt: a result file '
                       r'must end with .json'):
        load_results(str(tmp_path / 'result.txt'))
    with pytest.raises(ResultFileError, match='must end with .json'):
        save_results([], str(tmp_path / 'result.npy'))
    with pytest.raises(FileNotFoundError, match='none.json: no such result '
                       'file.*--dump result.json'):
        load_results(str(tmp_path / 'none.json'))


# ------------------------------------------------------------ DumpResults
def _evaluate_dump(path, dataset_meta=None):
    """Data samples through nl1d's DumpResults, as tools/test.py runs it."""
    init_default_scope('mmaction')
    evaluator = Evaluator([dict(type='DumpResults', out_file_path=path)])
    evaluator.dataset_meta = dataset_meta or dict(classes=('rest', 'AF'))
    samples = []
    scores = torch.tensor([[0.2, 0.8], [0.6, 0.4], [0.5, 0.5]])
    for i, score in enumerate(scores):  # rows: views of one storage
        sample = ActionDataSample().set_gt_label(i % 2)
        sample.set_pred_score(score)
        sample.set_pred_label(score.argmax(keepdim=True))
        sample.set_metainfo(dict(
            filename=f'rec{i}.npy', sample_idx=i,
            frame_inds=np.arange(4, dtype=np.int32),
            fortran=np.asfortranarray(np.arange(6.).reshape(2, 3)),
            big_endian=np.arange(3, dtype='>i4'), rate=np.float32(0.5)))
        samples.append(sample.to_dict())
    evaluator.process(samples)
    evaluator.evaluate(len(samples))
    assert type(evaluator.metrics[0]) is DumpResults


def test_dump_results_pickle_loads_as_pickle_load_does(tmp_path):
    path = str(tmp_path / 'result.pkl')
    _evaluate_dump(path)
    with open(path, 'rb') as f:
        expected = pickle.load(f)
    loaded = load_results(path)
    assert_same_records(expected, loaded)
    assert loaded[0]['pred_class'] == 'AF'
    assert loaded[2]['pred_score'].storage_offset() == 4  # row 2 of (3, 2)


def test_dump_results_writes_json_by_suffix(tmp_path):
    pkl, js = str(tmp_path / 'result.pkl'), str(tmp_path / 'result.json')
    _evaluate_dump(pkl)
    _evaluate_dump(js)
    with open(js, encoding='utf-8') as f:
        assert json.load(f)['records'][1]['gt_class'] == 'AF'
    expected = load_results(pkl)
    for record in expected:
        record['rate'] = float(record['rate'])
        record['pred_score'] = record['pred_score'].clone()
        record['big_endian'] = record['big_endian'].astype(np.int32)
        record['fortran'] = np.ascontiguousarray(record['fortran'])
    assert_same_records(expected, load_results(js))
    with pytest.raises(ResultFileError, match='DumpResults out_file_path '
                       'r.txt: a result file must end with .json'):
        DumpResults(out_file_path='r.txt')


# --------------------------------------------------------------- red team
READERS = {
    'load_results': load_results,
    'load_dumps': lambda path: load_dumps([path], '--preds'),
}


@pytest.mark.parametrize('reader', sorted(READERS))
@pytest.mark.parametrize('payload', sorted(PAYLOADS))
def test_crafted_pickle_is_refused_before_it_runs(tmp_path, payload,
                                                  reader):
    path, marker = write_payload(payload, str(tmp_path))
    with pytest.raises(UnsafeResultFileError) as error:
        READERS[reader](path)
    message = str(error.value)
    assert path in message and REFUSED[payload] in message
    assert 'Nothing from the file was executed' in message
    assert (f'tools/analysis/convert_results.py {path} '
            f'{path[:-4]}.json --trust') in message
    assert not osp.exists(marker)
    # the same bytes do run code when read with plain pickle.load
    assert_payload_is_live(path, marker)


def _write(tmp_path, data, name='result.pkl'):
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def _refused(path, message):
    with pytest.raises(UnsafeResultFileError, match=message):
        load_results(path)


def test_reconstruct_is_read_for_ndarray_itself_only(tmp_path):
    """numpy's _reconstruct called with an allowed global that is not
    numpy.ndarray. numpy itself refuses these classes (no live control):
    the check keeps _reconstruct from instantiating whatever class a
    pickle names."""
    for cls in (pickle_global('numpy', 'dtype'),
                pickle_global('collections', 'OrderedDict'),
                pickle_global('torch.storage', '_load_from_bytes')):
        data = as_dump(call(
            pickle_global('numpy.core.multiarray', '_reconstruct'), cls,
            ints((0, )), latin1(b'b')))
        _refused(_write(tmp_path, data),
                 'read only for numpy.ndarray itself')


def test_build_cannot_plant_state_on_the_reader(tmp_path):
    name = 'build_on_global'
    path, marker = write_payload(name, str(tmp_path))
    _refused(path, 'BUILD on torch._utils._rebuild_tensor_v2')
    stand_in = _GLOBALS['torch._utils', '_rebuild_tensor_v2']
    assert not hasattr(stand_in, 'nl1d_planted_by_build')
    # BUILD on what a stand-in returned (a tensor, a scalar) is refused too
    tensor = tensor_op(storage_of(1, b'\0' * 4), 0, (1, ), (1, ))
    _refused(_write(tmp_path, as_dump(tensor + EMPTY_LIST + BUILD),
                    'tensor.pkl'), 'BUILD on a tensor')
    scalar = call(pickle_global('numpy', 'dtype'), text('f8'), NEWFALSE,
                  b'\x88')
    scalar = call(pickle_global('numpy._core.multiarray', 'scalar'), scalar,
                  latin1(b'\0' * 8))
    _refused(_write(tmp_path, as_dump(scalar + EMPTY_LIST + BUILD),
                    'scalar.pkl'), 'BUILD on a numpy scalar')
    # the reader still reads a legitimate dump afterwards
    legit = str(tmp_path / 'legit.pkl')
    _evaluate_dump(legit)
    assert len(load_results(legit)) == 3
    assert_payload_is_live(path, marker)


def test_persistent_ids_are_refused(tmp_path):
    data = as_dump(text('x') + b'Q')  # BINPERSID
    _refused(_write(tmp_path, data), 'persistent ids refused')


# -------------------------------------------------------------- bounded
def _quick_and_small(path, message):
    """Refused with ``message`` in under 2 s, allocating under 20 MB."""
    tracemalloc.start()
    start = time.perf_counter()
    try:
        _refused(path, message)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert time.perf_counter() - start < 2
    assert peak < 20 * 2**20


def test_a_storage_claiming_more_than_it_holds_is_refused(tmp_path):
    huge = storage_of(2**40, b'\0' * 16)
    path = _write(tmp_path, as_dump(tensor_op(huge, 0, (4, ), (1, ))))
    _quick_and_small(path, 'bytes are not one little-endian storage|claims')
    short = storage_of(4, b'\0' * 8)
    path = _write(tmp_path, as_dump(tensor_op(short, 0, (4, ), (1, ))))
    _quick_and_small(path, 'claims 16 bytes and holds 8')


def test_a_tensor_larger_than_its_storage_is_refused(tmp_path):
    one = storage_of(1, b'\0' * 4)
    for size, stride in (((10**9, ), (1, )), ((10**9, ), (0, )),
                         ((2, ), (10**9, ))):
        path = _write(tmp_path, as_dump(tensor_op(one, 0, size, stride)))
        _quick_and_small(path, 'its storage holds 1 elements')


def test_an_array_claiming_more_than_it_holds_is_refused(tmp_path):
    path = _write(tmp_path, as_dump(ndarray_op((10**9, 10**3),
                                               latin1(b'\0' * 8))))
    _quick_and_small(path, 'claims 4000000000000 bytes and holds 8')


def test_reused_byte_strings_cannot_multiply_memory(tmp_path):
    """One 100 kB byte string in the memo, then 1000 arrays built from it:
    400 MB from a 100 kB file if each were allocated."""
    raw = latin1(b'\0' * 100_000) + put(0) + b'0'
    arrays = b''.join(ndarray_op((25_000, ), get(0)) + APPEND
                      for _ in range(1000))
    data = PROTO + EMPTY_LIST + raw + arrays + STOP
    _quick_and_small(_write(tmp_path, data), 'claim more bytes than the '
                     'file could hold')


def test_shared_containers_cannot_expand_without_bound(tmp_path):
    """20 levels of lists holding the previous level 10 times: 10**20
    records from a 1 kB file."""
    data = PROTO + EMPTY_LIST + put(0) + b'0'
    for level in range(20):
        data += MARK + get(level) * 10 + LIST + put(level + 1) + b'0'
    data += get(20) + STOP
    _quick_and_small(_write(tmp_path, data), 'expands to more objects')


def test_cycles_and_deep_nesting_are_refused(tmp_path):
    data = PROTO + EMPTY_LIST + put(0) + get(0) + APPEND + STOP
    _refused(_write(tmp_path, data), 'a container holds itself')
    data = PROTO + EMPTY_LIST * 100 + APPEND * 99 + STOP
    _refused(_write(tmp_path, data), 'nests deeper than 32')


@pytest.mark.parametrize('data,message', [
    (b'', 'is not a readable results pickle'),
    (PROTO + EMPTY_LIST, 'is not a readable results pickle'),
    (b'{"a": 1}', 'is not a readable results pickle'),
    (PROTO + b'}' + STOP, r'holds a dict, not the list of record dicts'),
    (PROTO + EMPTY_LIST + integer(1) + APPEND + STOP,
     'holds a list, not the list of record dicts'),
    (PROTO + call(pickle_global('numpy', 'dtype'), text('O'), NEWFALSE,
                  b'\x88') + STOP, "numpy.dtype\\('O'\\) refused"),
    (PROTO + call(pickle_global('_codecs', 'encode'), text('x'),
                  text('rot13')) + STOP, "only \\(text, 'latin1'\\)"),
    (PROTO + pickle_global('numpy', 'ndarray') + STOP,
     'numpy.ndarray as a value refused'),
])
def test_malformed_pickles_are_named(tmp_path, data, message):
    path = _write(tmp_path, data)
    with pytest.raises(ResultFileError, match=message) as error:
        load_results(path)
    assert path in str(error.value)


def test_a_legit_array_and_tensor_load_from_crafted_opcodes(tmp_path):
    """The test builders write what numpy and torch write: a control for
    the refusals above."""
    values = np.array([1.5, -2.0], np.float32)
    storage = storage_of(2, values.tobytes())
    data = (PROTO + EMPTY_LIST + b'}' + MARK + text('a') +
            ndarray_op((2, ), latin1(values.tobytes())) + text('t') +
            tensor_op(storage, 0, (2, ), (1, )) + b'u' + APPEND + STOP)
    records = load_results(_write(tmp_path, data))
    assert_same_records(pickle.loads(data), records)
    np.testing.assert_array_equal(records[0]['a'], values)
    assert torch.equal(records[0]['t'], torch.from_numpy(values))
