# Copyright (c) nl1d contributors. All rights reserved.
"""A model file is data: an ONNX model's metadata may only describe nl1d's
own transforms with literal arguments, and literal class names, thresholds
and sampling rate; everything is checked before anything is built.

Each payload below is proven live: built the unprotected way (mmengine's
``Compose`` on the decoded metadata, in the mmaction scope, as the ONNX
path did before), the very same metadata writes the marker file. Through
:class:`OnnxRecognizer` and ``demo/demo_signal.py --onnx`` it is refused,
with the step, its type and the argument named, and the marker is never
written; a config given by the user wins without the stored pipeline being
decoded at all."""
import csv
import inspect
import io
import json
import os.path as osp

import numpy as np
import onnx
import pytest
import torch
from mmengine import Config
from mmengine.dataset import Compose
from mmengine.registry import init_default_scope

from nl1d.apis import OnnxRecognizer, inference_recognizer, init_recognizer
from nl1d.apis.classify import classify_onnx, format_probabilities
from nl1d.apis.onnx_export import export_metadata, export_onnx
from nl1d.apis.onnx_metadata import (PIPELINE_TRANSFORMS, MetadataError,
                                     build_pipeline_configs, check_pipeline,
                                     parse_metadata)
from nl1d.datasets.class_names import csv_safe_cell, escape_control_chars
from tests.tools.tiny_signal_utils import REPO

R18 = osp.join(REPO, 'configs', 'nl1d', 'nl_r18_res5_8xb32_signal.py')
CLASSES = ['same', 'different']


def _tiny_cfg() -> Config:
    """R18 with 8 base channels, 3 test windows of 500 samples."""
    cfg = Config.fromfile(R18)
    cfg.model.backbone.base_channels = 8
    cfg.model.neck.in_channels = 64
    cfg.model.cls_head.in_channels = 64
    cfg.test_dataloader.dataset.pipeline[1].update(clip_len=500, num_clips=3)
    return cfg


@pytest.fixture(scope='module')
def exported(tmp_path_factory):
    """A legit export (classes, a threshold), its config and a record."""
    root = tmp_path_factory.mktemp('onnx_meta')
    cfg = _tiny_cfg()
    config = str(root / 'tiny_nl_r18.py')
    cfg.dump(config)
    torch.manual_seed(0)
    model = init_recognizer(cfg)
    with torch.no_grad():
        model.cls_head.fc_cls.weight.normal_(0, 1)
    model.dataset_meta = dict(classes=CLASSES)
    model.thresholds = dict(thr_acc=dict(threshold=0.4, select='youden'))
    out = str(root / 'model.onnx')
    export_onnx(model, out, (1, 3, 1, 500),
                metadata=export_metadata(model, config, 'tiny.pth'))
    record = str(root / 'record.npy')
    np.save(record, np.random.default_rng(0).normal(
        size=(1, 1800)).astype(np.float32))
    return dict(model=model, config=config, onnx=out, record=record)


def _metadata(path: str) -> dict:
    return {p.key: p.value for p in onnx.load(path).metadata_props}


def _craft(src: str, dst: str, **values: str) -> str:
    """``src`` with the metadata ``values`` (raw strings) replaced."""
    proto = onnx.load(src)
    meta = {p.key: p.value for p in proto.metadata_props}
    meta.update(values)
    del proto.metadata_props[:]
    for key, value in meta.items():
        entry = proto.metadata_props.add()
        entry.key, entry.value = key, value
    onnx.save(proto, dst)
    return dst


def _with_step(src: str, dst: str, step: dict, index: int = 1) -> str:
    """``src`` with ``step`` inserted into its stored test pipeline."""
    pipeline = json.loads(_metadata(src)['test_pipeline'])
    pipeline.insert(index, step)
    return _craft(src, dst, test_pipeline=json.dumps(pipeline))


def _build_unprotected(path: str) -> None:
    """What the ONNX path did before: the stored pipeline straight into
    mmengine's ``Compose`` (the registry), in the mmaction scope."""
    init_default_scope('mmaction')
    try:
        Compose(json.loads(_metadata(path)['test_pipeline']))
    except Exception:  # the payload's result is no transform: built anyway
        pass


# Payloads that run when built through the registry: each writes MARKER.
LIVE_PAYLOADS = {
    'subprocess.run':
    lambda marker: dict(type='subprocess.run', args=['touch', marker]),
    'os.system':
    lambda marker: dict(type='os.system', command=f'touch {marker}'),
    'mmengine.Config.fromstring':
    lambda marker: dict(
        type='mmengine.Config.fromstring',
        cfg_str=f"x = __import__('os').system('touch {marker}')\n",
        file_format='.py'),
    # a nested `type` inside an argument, built by mmcv's wrapper transform
    'RandomApply':
    lambda marker: dict(
        type='RandomApply',
        transforms=[dict(type='os.system', command=f'touch {marker}')]),
}


@pytest.mark.parametrize('payload', list(LIVE_PAYLOADS))
def test_live_payload_is_refused_by_recognizer_and_demo(
        payload, exported, tmp_path):
    marker = str(tmp_path / 'marker')
    model = _with_step(exported['onnx'], str(tmp_path / 'evil.onnx'),
                       LIVE_PAYLOADS[payload](marker))

    # the API: refused before anything is built, the entry named
    with pytest.raises(MetadataError) as info:
        OnnxRecognizer(model)
    message = str(info.value)
    assert "metadata 'test_pipeline', step 1" in message
    assert repr(payload) in message
    assert '--config CONFIG' in message and 'config=CONFIG' in message
    assert not osp.exists(marker)

    # the demo's --onnx path (demo/demo_signal.py exits with this reason)
    with pytest.raises(MetadataError) as info:
        classify_onnx(model, exported['record'])
    assert 'step 1' in str(info.value)
    assert repr(payload) in str(info.value)
    assert not osp.exists(marker)

    # live control: the same metadata, built the unprotected way, runs
    _build_unprotected(model)
    assert osp.exists(marker), 'the payload is not live: the test proves ' \
        'nothing'


NON_LITERAL = [
    # (step, the words the message must hold)
    (dict(type='builtins.exec', source='print(1)'), ["'builtins.exec'"]),
    (dict(type='mmaction.SampleWindows', clip_len=500),
     ["'mmaction.SampleWindows'"]),
    (dict(type=['SampleWindows'], clip_len=500), ["['SampleWindows']"]),
    # an allowed transform with a nested `type` in an argument
    (dict(type='SampleWindows',
          clip_len=dict(type='os.system', command='touch x')),
     ["'SampleWindows'", "argument 'clip_len'"]),
    (dict(type='PackSignalInputs',
          meta_keys=[dict(type='os.system', command='touch x')]),
     ["'PackSignalInputs'", "argument 'meta_keys'"]),
    # oversized or out-of-range arguments
    (dict(type='SampleWindows', clip_len=500, num_clips=10**9),
     ["argument 'num_clips'"]),
    (dict(type='PackSignalInputs', meta_keys=['k'] * 10000),
     ["argument 'meta_keys'"]),
    (dict(type='SampleWindows', clip_len=500, pad_mode='x' * 100000),
     ["argument 'pad_mode'"]),
    (dict(type='RandomMask', num_masks=10**12), ["argument 'num_masks'"]),
    (dict(type='SampleWindows', clip_len=True), ["argument 'clip_len'"]),
    # arguments the transform does not take; required ones missing
    (dict(type='SampleWindows', clip_len=500, _scope_='os'),
     ["argument '_scope_'"]),
    (dict(type='SampleWindows'), ["argument 'clip_len' is required"]),
]


@pytest.mark.parametrize('step,words', NON_LITERAL)
def test_non_literal_or_oversized_steps_are_refused(step, words, exported,
                                                    tmp_path):
    model = _with_step(exported['onnx'], str(tmp_path / 'bad.onnx'), step)
    with pytest.raises(MetadataError) as info:
        OnnxRecognizer(model)
    message = str(info.value)
    assert "'test_pipeline', step 1" in message
    for word in words:
        assert word in message
    assert 'your own config' in message
    assert len(message) < 2000  # an oversized value is not echoed whole


@pytest.mark.parametrize('raw', [
    '[{"type": "SampleWindows", "clip_len": NaN}]',
    '[{"type": "SampleWindows", "type": "os.system", "clip_len": 5}]',
    '[' * 100000 + ']' * 100000,
    '"LoadSignal"',
    '[]',
    '{"type": "LoadSignal"}',
])
def test_malformed_pipeline_json_is_refused(raw, exported, tmp_path):
    model = _craft(exported['onnx'], str(tmp_path / 'bad.onnx'),
                   test_pipeline=raw)
    with pytest.raises(MetadataError, match="metadata 'test_pipeline'"):
        OnnxRecognizer(model)


@pytest.mark.parametrize('field,raw,words', [
    ('classes', '"same"', 'list of 1 to'),
    ('classes', '["same", {"type": "os.system"}]', 'class 1'),
    ('classes', json.dumps(['x' * 300, 'y']), 'class 0'),
    ('classes', json.dumps([str(i) for i in range(5000)]), 'list of 1 to'),
    ('thresholds', '{"thr": {"threshold": NaN}}', 'not valid JSON'),
    ('thresholds', '{"thr": {"threshold": "0.4"}}', "key 'threshold'"),
    ('thresholds', '{"thr": {"threshold": 1e999}}', "key 'threshold'"),
    ('thresholds', '{"thr": {"threshold": 0.4, "x": {"type": "a.b"}}}',
     "key 'x'"),
    ('thresholds', '{"thr": 0.4}', "entry 'thr'"),
    ('sampling_rate', '-100', 'expected a finite number'),
    ('sampling_rate', 'Infinity', 'not valid JSON'),
    ('sampling_rate', '"100"', 'expected a finite number'),
    ('average_clips', '"os.system"', 'expected one of'),
    ('opset', '1e999', 'expected an int'),
    ('config', 'x' * 1000, 'not a string of at most'),
])
def test_other_fields_are_literals_of_their_type(field, raw, words,
                                                 exported, tmp_path):
    model = _craft(exported['onnx'], str(tmp_path / 'bad.onnx'),
                   **{field: raw})
    with pytest.raises(MetadataError) as info:
        OnnxRecognizer(model)
    assert f'metadata {field!r}' in str(info.value)
    assert words in str(info.value)
    # refused whatever the pipeline: these fields are always used
    with pytest.raises(MetadataError, match=f'metadata {field!r}'):
        OnnxRecognizer(model, config=exported['config'])


def test_user_config_wins_and_the_stored_pipeline_is_never_built(
        exported, tmp_path):
    marker = str(tmp_path / 'marker')
    model = _with_step(exported['onnx'], str(tmp_path / 'evil.onnx'),
                       LIVE_PAYLOADS['subprocess.run'](marker))
    expected = OnnxRecognizer(exported['onnx'])(exported['record'])

    onnx_model = OnnxRecognizer(model, config=exported['config'])
    assert onnx_model.pipeline_source == 'caller'
    # kept as the raw string: not even decoded
    assert isinstance(onnx_model.metadata['test_pipeline'], str)
    np.testing.assert_allclose(onnx_model(exported['record']), expected,
                               rtol=0, atol=1e-6)
    assert onnx_model.classes == CLASSES
    # a pipeline that is not even JSON does not matter either
    garbage = _craft(exported['onnx'], str(tmp_path / 'garbage.onnx'),
                     test_pipeline='{{{ not json')
    pipeline = Config.fromfile(
        exported['config']).test_dataloader.dataset.pipeline
    np.testing.assert_allclose(
        OnnxRecognizer(garbage, test_pipeline=pipeline)(exported['record']),
        expected, rtol=0, atol=1e-6)

    classify_onnx(model, exported['record'], config=exported['config'])
    assert not osp.exists(marker)
    _build_unprotected(model)  # live control
    assert osp.exists(marker)


def test_round_trip_scores_unchanged(exported):
    """The legit export: the stored pipeline is built from the allow-listed
    classes and gives inference_recognizer's scores, for a path and an
    array; the stored fields come back as written."""
    model, record = exported['model'], exported['record']
    expected = inference_recognizer(model, record).pred_score.numpy()
    onnx_model = OnnxRecognizer(exported['onnx'])
    assert onnx_model.pipeline_source == 'model'
    assert [s['type'] for s in onnx_model.test_pipeline] == [
        'LoadSignal', 'SampleWindows', 'PackSignalInputs']
    assert onnx_model.test_pipeline[1]['clip_len'] == 500
    assert all(isinstance(c['type'], type) for c in onnx_model._pipeline)
    np.testing.assert_allclose(onnx_model(record), expected, rtol=0,
                               atol=1e-5)
    array = np.load(record)
    np.testing.assert_allclose(onnx_model(array), expected, rtol=0,
                               atol=1e-5)
    assert onnx_model.classes == CLASSES
    assert onnx_model.thresholds == dict(
        thr_acc=dict(threshold=0.4, select='youden'))
    assert onnx_model.metadata['average_clips'] == 'prob'
    assert onnx_model.metadata['opset'] == 18
    assert onnx_model.metadata['checkpoint'] == 'tiny.pth'


def test_demo_prints_class_names_escaped(exported, tmp_path, capsys):
    names = ['\x1b[2J\x1b[31mred\r\nfake: 1.0000', '\u202eevil\x9b0m']
    model = _craft(
        exported['onnx'], str(tmp_path / 'names.onnx'),
        classes=json.dumps(names),
        thresholds=json.dumps({'thr\x1b[0m': dict(threshold=0.4)}))
    print(classify_onnx(model, exported['record']))
    out = capsys.readouterr().out
    assert not any(c in out for c in '\x1b\r\x9b\u202e')
    assert out.count('\n') == 3  # two classes and one threshold line
    assert '\\x1b[2J\\x1b[31mred\\x0d\\x0afake: 1.0000' in out
    assert '\\u202eevil\\x9b0m' in out
    assert 'thr\\x1b[0m: score' in out


def test_escaping_and_csv_formula_guard():
    assert escape_control_chars('AF') == 'AF'
    assert escape_control_chars('caf\u00e9 \u4e2d') == 'caf\u00e9 \u4e2d'
    assert escape_control_chars('a\x1b[1mb\tc\x7f\x85') == \
        'a\\x1b[1mb\\x09c\\x7f\\x85'
    assert escape_control_chars('\u2066x\u2069\ud800') == \
        '\\u2066x\\u2069\\ud800'
    rows = [[csv_safe_cell(c) for c in (
        '=HYPERLINK("http://evil")', '+1+cmd', '-2+3', '@SUM(A1)',
        '\t=1', 'normal', '-0.25', '1e-3', 0.5, 3)]]
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    cells = next(csv.reader(io.StringIO(buffer.getvalue())))
    assert cells == ['\'=HYPERLINK("http://evil")', "'+1+cmd", "'-2+3",
                     "'@SUM(A1)", '\\x09=1', 'normal', '-0.25', '1e-3',
                     '0.5', '3']
    assert not any(c[:1] in '=+-@' and c != '-0.25' for c in cells)


def test_allow_list_follows_the_transforms():
    """Every allow-listed transform's schema names exactly the arguments of
    its ``__init__`` (add a new argument to the schema too), and the class
    is the one nl1d registers under that name."""
    from mmaction.registry import TRANSFORMS
    for name, (cls, schema) in PIPELINE_TRANSFORMS.items():
        params = list(inspect.signature(cls.__init__).parameters)[1:]
        assert list(schema) == params, name
        assert TRANSFORMS.get(name) is cls, name


def test_every_repo_config_test_pipeline_is_accepted():
    """What export_onnx writes for the repo's configs passes the check and
    builds from the allow-listed classes."""
    import glob

    from nl1d.apis.inference import get_test_pipeline
    from nl1d.apis.onnx_export import _json
    seen = set()
    configs = sorted(
        glob.glob(osp.join(REPO, 'configs', 'nl1d', '**', '*.py'),
                  recursive=True))
    for path in configs:
        stored = _json(get_test_pipeline(Config.fromfile(path)))
        if stored in seen:
            continue
        seen.add(stored)
        steps = parse_metadata(dict(test_pipeline=stored),
                               path)['test_pipeline']
        Compose(build_pipeline_configs(steps))
    assert len(seen) >= 5


def test_every_transform_builds_from_literal_arguments():
    steps = check_pipeline([
        dict(type='LoadSignal', num_channels=1, mmap=True),
        dict(type='ResampleSignal', target_rate=100,
             window=['kaiser', 5.0]),
        dict(type='ZScoreNormalize', mode='record'),
        dict(type='SampleWindows', clip_len=0.5, num_clips=2,
             test_mode=True),
        dict(type='RandomAmplitudeScale', scale_range=[0.9, 1.1]),
        dict(type='GaussianNoise', std=0.1, prob=0.5),
        dict(type='BaselineWander', freq_range=[0.1, 0.2]),
        dict(type='RandomTimeShift', max_shift=3, mode='constant'),
        dict(type='RandomMask', max_len=0.1, num_masks=2),
        dict(type='PackSignalInputs', meta_keys=['filename']),
    ])
    assert steps[1]['window'] == ('kaiser', 5.0)  # a JSON list as a tuple
    configs = build_pipeline_configs(steps)
    assert [c['type'] for c in configs] == [
        PIPELINE_TRANSFORMS[s['type']][0] for s in steps]
    # without LoadSignal, on a record at 200 Hz: resampled to 100 Hz, two
    # windows of half the record
    signal = np.random.default_rng(0).normal(size=(1, 400))
    data = Compose(configs[1:])(
        dict(signal=signal.astype(np.float32), sampling_rate=200.0,
             filename='x'))
    assert tuple(data['inputs'].shape) == (2, 1, 100)


def test_export_refuses_what_inference_would_refuse(exported):
    model = exported['model']
    model.dataset_meta = dict(classes=['x' * 300, 'y'])
    try:
        with pytest.raises(ValueError, match="metadata 'classes'"):
            export_metadata(model, exported['config'])
    finally:
        model.dataset_meta = dict(classes=CLASSES)
    cfg = model.cfg
    saved = cfg.test_dataloader.dataset.pipeline
    cfg.test_dataloader.dataset.pipeline = saved + [dict(type='Flip')]
    try:
        with pytest.warns(UserWarning, match="step 3 \\(type 'Flip'\\)"):
            meta = export_metadata(model, exported['config'])
    finally:
        cfg.test_dataloader.dataset.pipeline = saved
    assert 'Flip' in meta['test_pipeline']


def test_pytorch_path_prints_checkpoint_class_names_escaped():
    """The demo's PyTorch path prints the checkpoint's class names through
    the same formatter."""
    text = format_probabilities(
        [0.2, 0.8], ['ok', 'bad\x1b]0;title\x07'],
        {'thr\r': dict(threshold=0.5)})
    assert '\x1b' not in text and '\r' not in text and '\x07' not in text
    assert 'bad\\x1b]0;title\\x07: 0.8000' in text
    assert text.splitlines()[-1].startswith('thr\\x0d: score 0.8000 >=')
