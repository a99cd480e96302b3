# Copyright (c) nl1d contributors. All rights reserved.
"""Whole records of any length (``SampleWindows(clip_len=None)``): the
inference API, ``python -m nl1d.apis.inference`` and an ONNX export score a
record as ``tools/test.py`` scores it in a padded batch of 16
(``pad_collate``), on the shipped whole-record config (CinC 2017, a
non-local R18), shrunk, with a tiny dataset of records of different
lengths."""
import csv
import os
import os.path as osp
import subprocess
import sys

import numpy as np
import onnx
import pytest
import torch
from mmaction.registry import DATASETS
from mmengine import Config
from mmengine.registry import init_default_scope

from nl1d.apis import (OnnxRecognizer, check_pipeline, inference_recognizer,
                       init_recognizer)
from nl1d.apis.classify import classify
from nl1d.apis.inference import (_batches, default_batch_size,
                                 get_test_pipeline, masks_padding)
from nl1d.apis.onnx_export import (DEFAULT_TRACE_LENGTH,
                                   RECORD_LENGTH_LAYOUT, example_input_shape,
                                   export_metadata, window_clip_len)
from nl1d.datasets import pad_collate
from nl1d.datasets.annotation import format_line, write_annotation
from nl1d.models.layers import NonLocal1d
from tests.tools.tiny_signal_utils import (REPO, load_results, run_tool,
                                           tool_env)

WHOLE = osp.join(REPO, 'configs', 'nl1d', 'cinc2017',
                 'nl_r18_res5_1xb32-20e_cinc2017-rhythms-whole.py')
#: Lengths of the test records: the three the ONNX check names first (not
#: multiples of the backbone's stride 32, like real records), then others.
LENGTHS = (905, 3000, 6100, 1210, 640, 2333, 4097, 1777, 999, 3001, 1500,
           2048, 733, 5003, 1111, 2600, 870, 4500)
ONNX_LENGTHS = (905, 3000, 6100)
CLASSES = ['normal', 'af', 'other', 'noisy']
#: |difference| accepted between a record alone and in a padded batch (the
#: batch's other records change the float summation order only), and
#: between ONNX Runtime and PyTorch.
ATOL = 1e-5

CHILD = """_base_ = [{whole!r}]
# The shipped whole-record config, 16x narrower, reading a tiny test split;
# its test loader (batch 16, pad_collate) and pipeline are kept.
model = dict(
    backbone=dict(base_channels=4),
    neck=dict(in_channels=32),
    cls_head=dict(in_channels=32))
test_dataloader = dict(
    num_workers=0,
    persistent_workers=False,
    dataset=dict(data_root={root!r}, ann_file='test.txt'))
test_evaluator = [dict(type='AUCMetric', positive_class=1)]
"""


def _write_records(root: str) -> None:
    """Float32 (1, L) records of :data:`LENGTHS`; class 1 carries a 5 Hz
    sine (at 100 Hz), class 0 noise only."""
    rng = np.random.default_rng(0)
    os.makedirs(osp.join(root, 'signals'), exist_ok=True)
    lines = []
    for i, length in enumerate(LENGTHS):
        label = i % 2
        x = rng.normal(0, 0.5, (1, length))
        x += label * np.sin(2 * np.pi * 5 * np.arange(length) / 100.0)
        rel = f'signals/test_{i:03d}.npy'
        np.save(osp.join(root, rel), x.astype(np.float32))
        lines.append(format_line(rel, length, label))
    write_annotation(osp.join(root, 'test.txt'), lines)


@pytest.fixture(scope='module')
def whole(tmp_path_factory):
    """The tiny dataset, the child config and a checkpoint whose non-local
    neck is off its identity start."""
    root = str(tmp_path_factory.mktemp('whole'))
    _write_records(root)
    config = osp.join(root, 'whole_tiny.py')
    with open(config, 'w') as f:
        f.write(CHILD.format(whole=WHOLE, root=root))
    cfg = Config.fromfile(config)
    torch.manual_seed(0)
    model = init_recognizer(cfg)
    with torch.no_grad():  # the attention shows in the scores
        for module in model.modules():
            if isinstance(module, NonLocal1d):
                module.gate.weight.normal_(0, 0.5)
        model.cls_head.fc_cls.weight.normal_(0, 1)
    checkpoint = osp.join(root, 'tiny.pth')
    torch.save(
        dict(meta=dict(dataset_meta=dict(classes=CLASSES)),
             state_dict=model.state_dict()), checkpoint)
    return config, checkpoint, root


def test_the_config_tests_whole_records_in_padded_batches(whole):
    config, _, _ = whole
    cfg = Config.fromfile(config)
    assert window_clip_len(cfg) is None
    assert cfg.test_dataloader.batch_size == 16
    assert cfg.test_dataloader.collate_fn.type == 'pad_collate'
    assert cfg.model.neck.type == 'NonLocalNeck1d'
    model = init_recognizer(cfg)
    assert masks_padding(model)
    # the stored pipeline passes the ONNX allow-list, clip_len=None included
    steps = check_pipeline(get_test_pipeline(cfg))
    assert steps[1] == dict(type='SampleWindows', clip_len=None,
                            test_mode=True)
    # export needs no --length: a documented default trace length
    assert example_input_shape(cfg) == (1, 1, 1, DEFAULT_TRACE_LENGTH)
    assert example_input_shape(cfg, length=1000)[-1] == 1000
    meta = export_metadata(model, config)
    assert meta['input_layout'] == RECORD_LENGTH_LAYOUT


def test_padded_batches_equal_inference_per_record(whole):
    """tools/test.py's batches (the test dataset, pad_collate, batch 16) in
    process; inference_recognizer alone and on a list."""
    config, checkpoint, root = whole
    model = init_recognizer(config, checkpoint)
    cfg = model.cfg
    init_default_scope('mmaction')
    dataset = DATASETS.build(cfg.test_dataloader.dataset)
    items = [dataset[i] for i in range(len(dataset))]
    assert sorted({item['inputs'].shape[-1] for item in items}) == \
        sorted(LENGTHS)
    size = cfg.test_dataloader.batch_size
    batched = []
    for start in range(0, len(items), size):
        with torch.no_grad():
            batched += model.test_step(pad_collate(items[start:start + size]))
    assert max(r.valid_length for r in batched[:size]) == 6100
    files = [osp.join(root, f'signals/test_{i:03d}.npy')
             for i in range(len(LENGTHS))]
    as_list = inference_recognizer(model, files, batch_size=5)
    assert len(as_list) == len(files)
    arrays = [np.load(path) for path in files[:3]]
    for i, path in enumerate(files):
        alone = inference_recognizer(model, path)
        assert alone.pred_score.shape == (len(CLASSES), )
        torch.testing.assert_close(
            alone.pred_score, batched[i].pred_score, rtol=0, atol=ATOL)
        torch.testing.assert_close(
            as_list[i].pred_score, alone.pred_score, rtol=0, atol=ATOL)
        if i < len(arrays):  # an array: the pipeline without LoadSignal
            torch.testing.assert_close(
                inference_recognizer(model, arrays[i]).pred_score,
                alone.pred_score, rtol=0, atol=ATOL)
    # not the same score for every record: the check would see a mix-up
    scores = torch.stack([r.pred_score for r in batched])
    assert (scores.max(0).values - scores.min(0).values).max() > 1e-3
    # the demo prints what the API gives
    text = classify(config, checkpoint, files[0])
    top = int(as_list[0].pred_score.argmax())
    assert text.splitlines()[0].strip().startswith(f'{CLASSES[top]}:')


def test_batches_pad_the_length_only():
    """Records share a batch when only their length differs (and the
    model masks padding); another clip count or channel count, or a full
    batch, starts a new one, in order."""
    def packed(*shape):
        return dict(inputs=torch.zeros(shape))

    records = [packed(1, 1, 900), packed(1, 1, 3000), packed(2, 1, 900),
               packed(2, 1, 900), packed(1, 2, 900), packed(1, 1, 50),
               packed(1, 1, 60), packed(1, 1, 70)]
    sizes = [[tuple(r['inputs'].shape) for r in batch]
             for batch in _batches(iter(records), 2, pad=True)]
    assert sizes == [[(1, 1, 900), (1, 1, 3000)], [(2, 1, 900)] * 2,
                     [(1, 2, 900)], [(1, 1, 50), (1, 1, 60)], [(1, 1, 70)]]
    # a model that cannot mask padding: equal lengths only
    sizes = [len(batch) for batch in _batches(iter(records), 8, pad=False)]
    assert sizes == [1, 1, 2, 1, 1, 1, 1]


def test_max_testing_views_scores_one_record_at_a_time(whole):
    config, checkpoint, root = whole
    model = init_recognizer(config, checkpoint)
    files = [osp.join(root, f'signals/test_{i:03d}.npy') for i in range(3)]
    expected = [r.pred_score for r in inference_recognizer(model, files)]
    model.test_cfg = dict(max_testing_views=1)  # needs test batch size 1
    assert not masks_padding(model) and default_batch_size(model) == 1
    for got, want in zip(inference_recognizer(model, files), expected):
        torch.testing.assert_close(got.pred_score, want, rtol=0, atol=ATOL)


@pytest.fixture(scope='module')
def dumped(whole):
    """tools/test.py --dump on the whole-record config."""
    config, checkpoint, root = whole
    dump = osp.join(root, 'result.pkl')
    run_tool([
        'tools/test.py', config, checkpoint, '--work-dir',
        osp.join(root, 'work'), '--dump', dump
    ], root)
    return {r['filename']: r['pred_score'] for r in load_results(dump)}


@pytest.mark.slow
def test_test_tool_dump_equals_inference_and_the_cli(whole, dumped,
                                                      tmp_path):
    config, checkpoint, root = whole
    assert len(dumped) == len(LENGTHS)
    model = init_recognizer(config, checkpoint)
    files = sorted(dumped)
    for path, result in zip(files, inference_recognizer(model, files)):
        torch.testing.assert_close(
            result.pred_score, dumped[path], rtol=0, atol=ATOL)
    out = str(tmp_path / 'scores.csv')
    proc = subprocess.run(
        [sys.executable, '-m', 'nl1d.apis.inference', config, checkpoint,
         osp.join(root, 'signals'), '--batch-size', '7', '--out', out],
        cwd=REPO, env=tool_env(root), capture_output=True, text=True,
        timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    with open(out) as f:
        rows = list(csv.DictReader(f))
    assert [row['file'] for row in rows] == files
    n = len(LENGTHS)
    assert f'inference: {n}/{n} (100%)' in proc.stderr, proc.stderr
    for row in rows:
        scores = np.array([float(row[f'score_{c}']) for c in CLASSES])
        np.testing.assert_allclose(
            scores, dumped[row['file']].numpy(), rtol=0, atol=ATOL)


@pytest.mark.slow
def test_onnx_export_without_length_scores_any_length(whole, dumped,
                                                      tmp_path):
    """The tool exports without --length, says which trace length it took,
    and ONNX Runtime gives each record of three lengths its PyTorch score
    alone, which is its score in tools/test.py's padded batch."""
    config, checkpoint, root = whole
    out = str(tmp_path / 'whole.onnx')
    proc = run_tool([
        'tools/deployment/export_onnx.py', config, checkpoint, '--out', out
    ], root)
    assert f'L = {DEFAULT_TRACE_LENGTH} samples (the whole-record default' \
        in proc.stdout
    assert 'one whole record of any length' in proc.stdout
    for length in ONNX_LENGTHS:  # checked at export, one record per input
        assert f'(1, 1, 1, {length})' in proc.stdout
    assert 'all within 0.0001: OK' in proc.stdout
    meta = {p.key: p.value for p in onnx.load(out).metadata_props}
    assert meta['input_layout'] == RECORD_LENGTH_LAYOUT

    model = init_recognizer(config, checkpoint)
    onnx_model = OnnxRecognizer(out)  # the stored pipeline, allow-listed
    assert onnx_model.pipeline_source == 'model'
    assert onnx_model.test_pipeline[1]['clip_len'] is None
    for length in ONNX_LENGTHS:
        path = osp.join(root, f'signals/test_{LENGTHS.index(length):03d}.npy')
        assert onnx_model.windows(path).shape == (1, 1, 1, length)
        got = onnx_model(path)
        alone = inference_recognizer(model, path).pred_score.numpy()
        np.testing.assert_allclose(got, alone, rtol=0, atol=ATOL)
        np.testing.assert_allclose(
            got, dumped[path].numpy(), rtol=0, atol=ATOL)


@pytest.mark.slow
def test_static_export_of_whole_records_asks_for_a_length(whole, tmp_path):
    config, checkpoint, root = whole
    proc = run_tool([
        'tools/deployment/export_onnx.py', config, checkpoint, '--out',
        str(tmp_path / 'static.onnx'), '--static'
    ], root, check=False)
    assert proc.returncode != 0
    assert 'whole records' in proc.stderr and '--length L' in proc.stderr
    assert not osp.exists(tmp_path / 'static.onnx')
