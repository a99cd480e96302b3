# Copyright (c) nl1d contributors. All rights reserved.
"""ONNX export: ONNX Runtime gives PyTorch's ``pred_score`` (the recognizer's
own ``test_step``, memory-lean attention paths included) for several
lengths, for R18 with a non-local neck in every mode and R50 with
non-local blocks inside the backbone; the graph holds the plain attention
formula; the demo and :class:`OnnxRecognizer` classify a record as
``inference_recognizer`` does."""
import json
import os.path as osp

import numpy as np
import onnx
import pytest
import torch
from mmengine import Config

from nl1d.apis import OnnxRecognizer, inference_recognizer, init_recognizer
from nl1d.apis.classify import classify, classify_onnx
from nl1d.apis.exportable_recognizer import ExportableRecognizer
from nl1d.apis.onnx_export import export_metadata, export_onnx
from nl1d.apis.onnx_inference import create_session
from nl1d.apis.onnx_verify import reference_scores, verify_onnx
from nl1d.models.layers import NonLocal1d
from tests.tools.tiny_signal_utils import REPO, run_tool

R18 = osp.join(REPO, 'configs', 'nl1d', 'nl_r18_res5_8xb32_signal.py')
R50_IN_BACKBONE = osp.join(REPO, 'configs', 'nl1d',
                           'nl5_r50_res3-res4_8xb32_signal.py')
LENGTHS = (1000, 2000, 5000)
TOLERANCE = 1e-4


def _narrow(cfg: Config) -> Config:
    """8 base channels instead of 64: the same graph, exported faster."""
    cfg.model.backbone.base_channels = 8
    out = 8 * 8 * (4 if cfg.model.backbone.depth >= 50 else 1)
    if cfg.model.get('neck'):
        cfg.model.neck.in_channels = out
    cfg.model.cls_head.in_channels = out
    return cfg


def _off_identity(model: torch.nn.Module) -> torch.nn.Module:
    """Move every non-local block off its identity start (zero output norm),
    so that the attention shows in the scores."""
    torch.manual_seed(0)
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, NonLocal1d):
                module.gate.weight.normal_(0, 0.5)
        model.cls_head.fc_cls.weight.normal_(0, 1)
    return model


def _graph_ops(path: str) -> list:
    return [node.op_type for node in onnx.load(path).graph.node]


@pytest.mark.parametrize('mode,sub_sample', [('embedded_gaussian', False),
                                             ('gaussian', True),
                                             ('dot_product', False),
                                             ('concatenation', True)])
@pytest.mark.slow
def test_r18_neck_every_mode_equals_pytorch(mode, sub_sample, tmp_path):
    cfg = _narrow(Config.fromfile(R18))
    cfg.model.neck.mode = mode
    cfg.model.neck.sub_sample = sub_sample
    model = _off_identity(init_recognizer(cfg))
    out = str(tmp_path / f'{mode}.onnx')
    info = export_onnx(model, out, (1, 2, 1, 2000))
    assert info['non_local_blocks'] == 1 and info['opset'] == 18
    report = verify_onnx(model, out, [(2, 3, 1, L) for L in LENGTHS])
    assert [r['shape'][-1] for r in report] == list(LENGTHS)
    for r in report:
        assert r['max_abs_diff'] <= TOLERANCE, r
    ops = _graph_ops(out)
    # the plain formula: one graph, no loop over query chunks; a softmax in
    # the attention of the softmax modes, and one over the classes
    assert not {'Loop', 'Scan', 'If'} & set(ops), ops
    softmax_modes = ('gaussian', 'embedded_gaussian')
    assert ops.count('Softmax') == 1 + (mode in softmax_modes)


@pytest.mark.slow
def test_r50_blocks_in_backbone_equal_pytorch_chunked_path(tmp_path):
    """Five blocks in res3/res4 with sub-sampling; PyTorch takes the chunked
    softmax path (an autograd Function), ONNX the plain formula."""
    cfg = _narrow(Config.fromfile(R50_IN_BACKBONE))
    model = _off_identity(init_recognizer(cfg))
    out = str(tmp_path / 'r50.onnx')
    info = export_onnx(model, out, (1, 2, 1, 2000))
    assert info['non_local_blocks'] == 5
    for module in model.modules():
        if hasattr(module, 'attn_impl'):
            module.attn_impl = 'chunked'
            module.chunk_size = 64
    for r in verify_onnx(model, out, [(1, 4, 1, L) for L in LENGTHS]):
        assert r['max_abs_diff'] <= TOLERANCE, r
    # the export left the recognizer itself untouched
    assert all(m.attn_impl == 'chunked' for m in model.modules()
               if hasattr(m, 'attn_impl'))


def test_average_clips_score_and_static_shape(tmp_path):
    cfg = _narrow(Config.fromfile(R18))
    cfg.model.cls_head.average_clips = 'score'
    model = _off_identity(init_recognizer(cfg))
    out = str(tmp_path / 'static.onnx')
    export_onnx(model, out, (1, 3, 1, 1500), dynamic=False)
    proto = onnx.load(out)
    dims = [d.dim_value for d in
            proto.graph.input[0].type.tensor_type.shape.dim]
    assert dims == [1, 3, 1, 1500]
    x = torch.randn(1, 3, 1, 1500)
    got = create_session(out).run(None, {'inputs': x.numpy()})[0]
    np.testing.assert_allclose(
        got, reference_scores(model, x), rtol=0, atol=TOLERANCE)


def test_what_cannot_be_exported_is_refused():
    cfg = _narrow(Config.fromfile(R18))
    cfg.model.neck = None
    cfg.model.backbone.out_indices = (2, 3)
    with pytest.raises(ValueError, match='out_indices'):
        ExportableRecognizer(init_recognizer(cfg))


@pytest.fixture(scope='module')
def exported(tmp_path_factory):
    """A checkpoint with classes and a threshold, exported by the tool."""
    root = tmp_path_factory.mktemp('onnx_tool')
    cfg = _narrow(Config.fromfile(R18))
    cfg.test_dataloader.dataset.pipeline[1].update(clip_len=500, num_clips=3)
    config = str(root / 'tiny_nl_r18.py')
    cfg.dump(config)
    model = _off_identity(init_recognizer(cfg))
    checkpoint = str(root / 'tiny.pth')
    torch.save(
        dict(meta=dict(dataset_meta=dict(classes=['same', 'different']),
                       thresholds=dict(thr_acc=dict(threshold=0.4))),
             state_dict=model.state_dict()), checkpoint)
    out = str(root / 'model.onnx')
    proc = run_tool([
        'tools/deployment/export_onnx.py', config, checkpoint, '--out', out
    ], str(root))
    signal = np.random.default_rng(0).normal(size=(1, 1800))
    record = str(root / 'record.npy')
    np.save(record, signal.astype(np.float32))
    return config, checkpoint, out, record, proc.stdout


@pytest.mark.slow
def test_export_tool_reports_the_model_and_its_check(exported):
    _, _, out, _, stdout = exported
    assert osp.isfile(out)
    assert 'opset 18' in stdout
    assert '(N, num_clips, 1, L) float32' in stdout
    for length in LENGTHS:
        assert f'(2, 3, 1, {length})' in stdout
    assert 'all within 0.0001: OK' in stdout


def test_onnx_recognizer_equals_inference_recognizer(exported):
    config, checkpoint, out, record, _ = exported
    model = init_recognizer(config, checkpoint)
    expected = inference_recognizer(model, record).pred_score.numpy()
    onnx_model = OnnxRecognizer(out)
    assert onnx_model.classes == ['same', 'different']
    assert onnx_model.thresholds['thr_acc']['threshold'] == 0.4
    # the test dataset's windows travel in the model
    assert onnx_model.test_pipeline[1]['clip_len'] == 500
    assert onnx_model.windows(record).shape == (1, 3, 1, 500)
    np.testing.assert_allclose(onnx_model(record), expected, rtol=0,
                               atol=1e-5)
    meta = export_metadata(model, config, checkpoint)
    assert set(onnx_model.metadata) >= set(meta)


@pytest.mark.slow
def test_demo_onnx_prints_what_pytorch_prints(exported, tmp_path):
    config, checkpoint, out, record, _ = exported
    texts = [
        classify(config, checkpoint, record),
        classify_onnx(out, record),
        classify_onnx(out, record, config=config),
    ]
    outputs = [[line.strip() for line in text.rstrip().splitlines()[-3:]]
               for text in texts]
    # the demo's command line prints the same
    proc = run_tool(['demo/demo_signal.py', '--onnx', out, record],
                    str(tmp_path))
    assert [line.strip() for line in proc.stdout.rstrip().splitlines()[-3:]
            ] == outputs[1]
    assert outputs[0] == outputs[1] == outputs[2]
    assert outputs[0][2].startswith('thr_acc: score')
    assert 'threshold 0.4000 (chosen on validation)' in outputs[0][2]


@pytest.mark.slow
def test_benchmark_tool_times_both_runtimes(exported, tmp_path):
    config, checkpoint, out, record, _ = exported
    result_file = str(tmp_path / 'bench.json')
    proc = run_tool([
        'tools/deployment/benchmark_onnx.py', config, checkpoint, out,
        '--inputs', record, '--num-records', '3', '--warmup', '1',
        '--threads', '1', '--out', result_file
    ], str(tmp_path))
    assert 'PyTorch eager' in proc.stdout and 'ONNX Runtime' in proc.stdout
    with open(result_file) as f:
        result = json.load(f)
    for key in ('pytorch_model', 'onnx_model', 'pytorch_end_to_end',
                'onnx_end_to_end'):
        assert result[key] > 0
    assert result['max_abs_diff'] <= TOLERANCE
    assert result['input_shape'] == [1, 3, 1, 500]
