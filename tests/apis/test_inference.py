# Copyright (c) nl1d contributors. All rights reserved.
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine import Config

import nl1d  # noqa: F401
from nl1d.apis import inference_recognizer, init_recognizer
from nl1d.apis.classify import classify
from nl1d.apis.inference import get_sampling_rate, get_test_pipeline

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = osp.join(REPO, 'configs', 'nl1d', 'nl_r18_res5_8xb32_signal.py')


def _tiny_cfg(clip_len=256, num_clips=2):
    """The R18 non-local config, 8x narrower, with short windows."""
    cfg = Config.fromfile(CONFIG)
    cfg.model.backbone.base_channels = 8
    cfg.model.neck.in_channels = 64
    cfg.model.cls_head.in_channels = 64
    # the pipeline tools/test.py runs, which inference uses too
    cfg.test_dataloader.dataset.pipeline = [
        dict(type='LoadSignal'),
        dict(type='SampleWindows', clip_len=clip_len, num_clips=num_clips,
             test_mode=True),
        dict(type='PackSignalInputs')
    ]
    return cfg


@pytest.fixture(scope='module')
def checkpoint(tmp_path_factory):
    torch.manual_seed(0)
    cfg = _tiny_cfg()
    model = init_recognizer(cfg)
    with torch.no_grad():  # move the identity-initialised neck off zero
        model.neck.conv_out.norm.weight.fill_(0.5)
        model.cls_head.fc_cls.weight.normal_(0, 1)
    path = str(tmp_path_factory.mktemp('ckpt') / 'tiny.pth')
    torch.save(
        dict(state_dict=model.state_dict(),
             meta=dict(dataset_meta=dict(classes=['normal', 'af']),
                       thresholds=dict(thr_acc=dict(
                           threshold=0.3, select='youden', target=None,
                           fixed=False, epoch=3, iter=30)))), path)
    return path, model.state_dict()


def _reference(model, signal, frame_inds, clip_len=256):
    """The head's softmax, averaged over the windows the pipeline cut (its
    ``frame_inds``), computed module by module."""
    starts = np.asarray(frame_inds).reshape(-1, clip_len)[:, 0]
    windows = np.stack([signal[:, s:s + clip_len] for s in starts])
    with torch.no_grad():
        feats, _ = model.neck(model.backbone(torch.from_numpy(windows)))
        scores = model.cls_head(feats).softmax(-1)  # (num_clips, K)
    return scores.mean(0)


def test_init_loads_weights_and_meta(checkpoint):
    path, state = checkpoint
    model = init_recognizer(_tiny_cfg(), path)
    for key, value in model.state_dict().items():
        assert torch.equal(value, state[key]), key
    assert not model.training
    assert model.dataset_meta['classes'] == ['normal', 'af']
    assert model.thresholds['thr_acc']['threshold'] == 0.3


def test_path_and_array_give_the_reference_scores(checkpoint, tmp_path):
    path, _ = checkpoint
    model = init_recognizer(_tiny_cfg(), path)
    signal = np.random.default_rng(0).normal(size=(1, 700)).astype(
        np.float32)
    npy = str(tmp_path / 'record.npy')
    np.save(npy, signal)
    from_path = inference_recognizer(model, npy)
    from_array = inference_recognizer(model, signal)
    from_1d = inference_recognizer(model, torch.from_numpy(signal[0]))
    assert from_path.num_clips == 2
    expected = _reference(model, signal, from_path.frame_inds)
    assert from_path.pred_score.shape == (2, )
    torch.testing.assert_close(from_path.pred_score, expected)
    torch.testing.assert_close(from_array.pred_score, expected)
    torch.testing.assert_close(from_1d.pred_score, expected)
    assert int(from_path.pred_label) == int(expected.argmax())


def test_bad_inputs_are_explained(checkpoint, tmp_path):
    model = init_recognizer(_tiny_cfg(), checkpoint[0])
    with pytest.raises(ValueError, match=r'\(C, L\)'):
        inference_recognizer(model, np.zeros((1, 1, 300), np.float32))
    with pytest.raises(FileNotFoundError):
        inference_recognizer(model, str(tmp_path / 'missing.npy'))
    with pytest.raises(TypeError):
        inference_recognizer(model, [1.0, 2.0])


def test_demo_prints_probabilities(checkpoint, tmp_path):
    path, _ = checkpoint
    cfg_path = str(tmp_path / 'tiny.py')
    _tiny_cfg().dump(cfg_path)
    signal = np.random.default_rng(1).normal(size=(1, 600)).astype(
        np.float32)
    npy = str(tmp_path / 'record.npy')
    np.save(npy, signal)
    out = classify(cfg_path, path, npy).strip().splitlines()[-3:]
    model = init_recognizer(_tiny_cfg(), path)
    result = inference_recognizer(model, signal)
    probs = _reference(model, signal, result.frame_inds).tolist()
    top = int(np.argmax(probs))
    names = ['normal', 'af']
    assert out[0].split(':')[0].strip() == names[top]
    assert float(out[0].split(':')[1]) == pytest.approx(probs[top], abs=1e-4)
    assert float(out[1].split(':')[1]) == pytest.approx(
        probs[1 - top], abs=1e-4)
    assert 'threshold 0.3000 (chosen on validation)' in out[2]


def test_the_test_dataset_pipeline_wins_over_the_test_pipeline_variable():
    """An inherited config that changes only the test dataset's pipeline
    leaves ``test_pipeline`` at its base's value: tools/test.py runs the
    dataset's, and so must inference."""
    cfg = _tiny_cfg(clip_len=256, num_clips=2)
    cfg.test_pipeline = [
        dict(type='LoadSignal'),
        dict(type='PackSignalInputs')
    ]
    pipeline = get_test_pipeline(cfg)
    assert pipeline[1]['clip_len'] == 256 and pipeline[1]['num_clips'] == 2
    # through a dataset wrapper
    cfg.test_dataloader.dataset = dict(
        type='RepeatDataset', times=2, dataset=cfg.test_dataloader.dataset)
    assert get_test_pipeline(cfg)[1]['clip_len'] == 256
    assert get_sampling_rate(cfg) == 100
    # no test dataloader: the variable
    cfg.pop('test_dataloader')
    assert get_test_pipeline(cfg) == cfg.test_pipeline
    cfg.pop('test_pipeline')
    with pytest.raises(KeyError, match='test_dataloader.dataset.pipeline'):
        get_test_pipeline(cfg)


def test_class_names_from_the_dataset_when_the_checkpoint_has_none(
        checkpoint, tmp_path):
    """A checkpoint without ``dataset_meta`` (saved outside the Runner):
    init_recognizer, the demo and batch inference take the names of the
    config's test dataset (its classes.txt); the checkpoint's win."""
    from nl1d.apis.inference import classes_from_config
    from nl1d.apis.score_files import score_rows
    from nl1d.datasets.class_names import write_classes
    path, state = checkpoint
    bare = str(tmp_path / 'bare.pth')
    torch.save(dict(state_dict=state), bare)
    cfg = _tiny_cfg()
    cfg.test_dataloader.dataset.ann_file = str(tmp_path / 'test.txt')
    assert classes_from_config(cfg) is None
    assert 'classes' not in (getattr(init_recognizer(cfg, bare),
                                     'dataset_meta', None) or {})
    write_classes(str(tmp_path / 'classes.txt'), ['sinus rhythm', 'AF'])
    assert classes_from_config(cfg) == ('sinus rhythm', 'AF')
    model = init_recognizer(cfg, bare)
    assert model.dataset_meta['classes'] == ('sinus rhythm', 'AF')
    assert init_recognizer(cfg, path).dataset_meta['classes'] == [
        'normal', 'af'
    ]

    signal = np.random.default_rng(2).normal(size=(1, 600)).astype(
        np.float32)
    npy = str(tmp_path / 'record.npy')
    np.save(npy, signal)
    header, rows = score_rows(model, [npy])
    assert header[1:3] == ['score_sinus rhythm', 'score_AF']
    assert rows[0][4] in ('sinus rhythm', 'AF')
    cfg_path = str(tmp_path / 'tiny.py')
    cfg.dump(cfg_path)
    out = classify(cfg_path, bare, npy).strip().splitlines()[-2:]
    assert sorted(line.split(':')[0].strip() for line in out) == [
        'AF', 'sinus rhythm'
    ]


def test_checkpoint_class_names_are_literals_and_written_escaped(
        checkpoint, tmp_path):
    from nl1d.apis.inference import main
    path, state = checkpoint
    signal = np.random.default_rng(0).normal(size=(1, 600)).astype('f4')
    np.save(tmp_path / 'rec.npy', signal)
    config = str(tmp_path / 'tiny.py')
    _tiny_cfg().dump(config)
    # class names that would drive a terminal / a spreadsheet
    hostile = str(tmp_path / 'hostile.pth')
    torch.save(dict(state_dict=state, meta=dict(dataset_meta=dict(
        classes=['\x1b[2Jnormal', '=HYPERLINK("http://x")']))), hostile)
    out = str(tmp_path / 'scores.csv')
    main([config, hostile, str(tmp_path / 'rec.npy'), '--out', out])
    text = open(out).read()
    assert '\x1b' not in text and '\\x1b[2Jnormal' in text
    pred_class = text.splitlines()[1].split(',')[-1]  # the predicted class
    assert pred_class.startswith('"\'=HYPERLINK')
    # a class list that is not a list of strings is refused, naming it
    odd = str(tmp_path / 'odd.pth')
    torch.save(dict(state_dict=state, meta=dict(dataset_meta=dict(
        classes=[{'type': 'os.system'}, 'af']))), odd)
    with pytest.raises(ValueError, match=r"odd.pth: meta 'classes'"):
        init_recognizer(_tiny_cfg(), odd)
