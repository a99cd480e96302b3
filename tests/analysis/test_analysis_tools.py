# Copyright (c) nl1d contributors. All rights reserved.
"""nl1d.analysis (tools/analysis): metrics from a dump, ROC/PR curves, log
curves and non-local attention plots; every tool that reads a dump reads a
real ``tools/test.py --dump`` in both formats alike and refuses a crafted
pickle before it runs."""
import json
import os.path as osp
import pickle

import mmengine
import numpy as np
import pytest
import torch
from mmengine import Config
from sklearn.metrics import recall_score, roc_auc_score

import nl1d  # noqa: F401
from nl1d.analysis import (attention, comparison, curves, dump_eval, fusion,
                           gates, logs)
from nl1d.evaluation.results import (UnsafeResultFileError, convert_results,
                                     load_results)
from tests.evaluation.result_payloads import (PAYLOADS, REFUSED,
                                              assert_payload_is_live,
                                              assert_same_records,
                                              write_payload)
from tests.tools.tiny_signal_utils import (EVAL_CONFIG, TINY_CONFIG,
                                           run_tool, write_tiny_dataset)

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
PNG_MAGIC = b'\x89PNG\r\n\x1a\n'


def _assert_png(path):
    assert osp.isfile(path)
    with open(path, 'rb') as f:
        head = f.read(8)
    assert head == PNG_MAGIC and osp.getsize(path) > 5000


def _binary_dump(n=120, seed=0):
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, n)
    pos = 1 / (1 + np.exp(-(rng.normal(size=n) + 1.5 * labels)))
    samples = [
        dict(pred_score=torch.tensor([1 - p, p], dtype=torch.float32),
             gt_label=torch.tensor([int(y)]), filename=f'rec{i}.npy',
             patient=f'p{i // 3}')
        for i, (p, y) in enumerate(zip(pos, labels))
    ]
    return samples, pos.astype(np.float32).astype(np.float64), labels


def _write_config(path):
    path.write_text(
        "default_scope = 'mmaction'\n"
        'test_evaluator = [\n'
        "    dict(type='AUCMetric'),\n"
        "    dict(type='ThresholdMetric', frozen=True),\n"
        "    dict(type='DumpResults', out_file_path='unused.pkl')]\n")
    return str(path)


@pytest.fixture(scope='module')
def eval_metric():
    return dump_eval


def test_eval_metric_recomputes_from_dump(eval_metric, tmp_path):
    samples, pos, labels = _binary_dump()
    cfg = Config.fromfile(_write_config(tmp_path / 'cfg.py'))
    metrics = eval_metric.evaluate_dump(cfg, samples, threshold=0.6)
    assert metrics['auc/auroc'] == pytest.approx(roc_auc_score(labels, pos))
    assert metrics['thr_acc/threshold'] == 0.6
    assert metrics['thr_acc/sensitivity'] == pytest.approx(
        recall_score(labels, pos >= 0.6))
    with pytest.raises(RuntimeError, match='frozen=True'):
        eval_metric.evaluate_dump(cfg, samples)
    dump_only = tmp_path / 'dump_only.py'
    dump_only.write_text(
        "default_scope = 'mmaction'\n"
        "test_evaluator = dict(type='DumpResults', out_file_path='x.pkl')\n")
    with pytest.raises(ValueError, match='dump_only.py: test_evaluator has '
                       'no metric'):
        eval_metric.evaluate_dump(Config.fromfile(str(dump_only)), samples)


def test_eval_metric_uses_checkpoint_threshold(eval_metric, tmp_path,
                                               capsys):
    samples, pos, labels = _binary_dump()
    dump = str(tmp_path / 'result.pkl')
    mmengine.dump(samples, dump)
    ckpt = str(tmp_path / 'best.pth')
    torch.save(dict(state_dict={}, meta=dict(thresholds=dict(thr_acc=dict(
        threshold=0.55, select='youden', target=None, fixed=False, epoch=4,
        iter=40)))), ckpt)
    out = str(tmp_path / 'metrics.json')
    eval_metric.evaluate_file(_write_config(tmp_path / 'cfg.py'), dump,
                              checkpoint=ckpt, out=out, chunk_size=50)
    metrics = json.load(open(out))
    assert metrics['thr_acc/threshold'] == 0.55
    assert metrics['thr_acc/specificity'] == pytest.approx(
        recall_score(labels, pos >= 0.55, pos_label=0))
    log = capsys.readouterr().out
    assert "chosen on validation by Youden's J at epoch 4" in log
    assert f'loaded from checkpoint {ckpt}' in log
    # Off a terminal the progress is a few whole lines, not one per chunk.
    progress = [line for line in log.splitlines()
                if line.startswith('evaluate: ')]
    assert progress[0] == 'evaluate: 0/120' and len(progress) == 4
    assert progress[-1].startswith('evaluate: 120/120 (100%)')


def test_plot_curves_binary_and_multiclass(tmp_path, capsys):
    plot_curves = curves
    samples, _, _ = _binary_dump()
    dump = str(tmp_path / 'result.pkl')
    mmengine.dump(samples, dump)
    plot_curves.plot_dump(dump, str(tmp_path / 'bin'), threshold=0.5,
                          n_bootstrap=30, group_key='patient')
    for name in ('roc.png', 'pr.png'):
        _assert_png(str(tmp_path / 'bin' / name))
    # 30 bootstrap resamples off a terminal: the start and every quarter.
    progress = [line for line in capsys.readouterr().out.splitlines()
                if line.startswith('bootstrap: ')]
    assert len(progress) == 5 and progress[0] == 'bootstrap: 0/30'

    rng = np.random.default_rng(1)
    labels = rng.integers(0, 3, 90)
    scores = rng.dirichlet(np.ones(3), 90)
    multi = [dict(pred_score=torch.tensor(s, dtype=torch.float32),
                  gt_label=torch.tensor([int(y)]))
             for s, y in zip(scores, labels)]
    paths = plot_curves.plot_curves(multi, str(tmp_path / 'multi'),
                                    n_bootstrap=10, classes=['a', 'b', 'c'])
    for path in paths:
        _assert_png(path)


def test_curve_points_match_sklearn():
    plot_curves = curves
    _, pos, labels = _binary_dump()
    points = plot_curves.curve_points(pos, labels)
    from sklearn.metrics import roc_curve
    fpr, tpr, _ = roc_curve(labels, pos)
    assert points['tpr'][50] == pytest.approx(np.interp(0.5, fpr, tpr))
    # area under the gridded ROC approximates the AUROC
    assert np.trapezoid(points['tpr'], plot_curves.GRID) == pytest.approx(
        roc_auc_score(labels, pos), abs=0.01)


def _json_log(path):
    lines = []
    step = 0
    for epoch in (1, 2, 3):
        for it in range(4):
            step += 1
            lines.append(dict(lr=0.1 / epoch, loss=1.0 / step,
                              time=0.5 if it == 0 else 0.1 * epoch,
                              epoch=epoch, iter=step, step=step))
        lines.append({'auc/auroc': 0.6 + 0.1 * epoch, 'time': 0.01,
                      'step': epoch})
    lines.append({'auc/auroc': 0.9, 'time': 0.01})  # a test line
    path.write_text('\n'.join(json.dumps(x) for x in lines) + '\n')
    return str(path)


def test_analyze_logs(tmp_path):
    analyze_logs = logs
    log = _json_log(tmp_path / 'run.json')
    parsed = analyze_logs.load_json_log(log)
    assert len(parsed['train']) == 12 and len(parsed['val']) == 3
    out = str(tmp_path / 'curves.png')
    analyze_logs.plot_curve([log], ['loss', 'lr', 'auc/auroc'], out)
    _assert_png(out)
    stats = analyze_logs.cal_train_time([log])[log]
    # first iteration of each epoch dropped: 3 x 0.1*epoch per epoch
    assert stats['avg_iter_time'] == pytest.approx(0.2)
    assert stats['slowest_epoch'] == (3, pytest.approx(0.3))
    assert stats['fastest_epoch'] == (1, pytest.approx(0.1))
    with pytest.raises(KeyError, match='available keys'):
        analyze_logs.plot_curve([log], ['missing'], out)


def test_analyze_logs_summarize(tmp_path, capsys):
    analyze_logs = logs
    log = _json_log(tmp_path / 'run.json')
    # validation AUROC 0.7, 0.8, 0.9 at epochs 1-3: stretches of 2 epochs
    rows = analyze_logs.summarize([log], ['auc/auroc'], 2)[log]['auc/auroc']
    assert [r[:2] for r in rows] == [(1, 2), (3, 3)]
    assert rows[0][2] == pytest.approx(0.75) and rows[1][2] == \
        pytest.approx(0.9)
    # a training key is summarised by iteration: loss 1/step, steps 1-12
    rows = analyze_logs.summarize([log], ['loss'], 6)[log]['loss']
    assert rows[0][2] == pytest.approx(np.mean(1 / np.arange(1, 7)))
    capsys.readouterr()
    analyze_logs.summarize([log], ['auc/auroc'], 2)
    out = capsys.readouterr().out
    assert 'epochs     1-2     mean 0.7500 (2 values)' in out
    assert 'last (epoch 3): 0.9000' in out
    with pytest.raises(KeyError, match='available keys'):
        analyze_logs.summarize([log], ['missing'], 2)
    with pytest.raises(ValueError, match='--every'):
        analyze_logs.summarize([log], ['loss'], 0)


def test_row_on_input_maps_through_the_stride():
    affinity = np.arange(8, dtype=float).reshape(4, 2)  # L'=4, L_k=2
    weights, row = attention.row_on_input(affinity, query=5, length=8)
    assert row == 2  # stride 2: sample 5 is feature 2
    np.testing.assert_array_equal(weights, [4, 4, 4, 4, 5, 5, 5, 5])


def _tiny_nonlocal_cfg(**backbone):
    """The signal config at width 8: a block in layer3 and the neck."""
    cfg = Config.fromfile(
        osp.join(REPO, 'configs', 'nl1d', 'nl_r18_res5_8xb32_signal.py'))
    cfg.model.backbone.base_channels = 8
    cfg.model.backbone.non_local = (0, 0, (1, 0), 0)
    cfg.model.backbone.update(backbone)
    cfg.model.neck.in_channels = 64
    cfg.model.cls_head.in_channels = 64
    return cfg


def test_visualize_nonlocal_writes_png(tmp_path):
    vis = attention
    from nl1d.apis import init_recognizer
    cfg = _tiny_nonlocal_cfg(non_local_cfg=dict(sub_sample=True))
    cfg_path = str(tmp_path / 'tiny.py')
    cfg.dump(cfg_path)
    model = init_recognizer(cfg)
    ckpt = str(tmp_path / 'tiny.pth')
    torch.save(dict(state_dict=model.state_dict()), ckpt)
    signal = np.random.default_rng(0).normal(size=(1, 600)).astype(
        np.float32)
    maps = vis.capture_attention(model, signal[:, :512])
    assert set(maps) == {'backbone.layer3.0.non_local_block', 'neck'}
    # layer3 runs at stride 16 (32 positions), keys sub-sampled to 16
    assert maps['backbone.layer3.0.non_local_block'].shape == (32, 16)
    assert maps['neck'].shape == (16, 16)
    np.testing.assert_allclose(maps['neck'].sum(1), 1, rtol=1e-5)
    npy = str(tmp_path / 'record.npy')
    np.save(npy, signal)
    out = str(tmp_path / 'attention.png')
    vis.visualize(cfg_path, ckpt, npy, out, queries=[0.1, 0.9], start=50,
                  clip_len=512)
    _assert_png(out)


def _drawn_texts(monkeypatch, plot_curves):
    """Titles and legend entries of the figures plot_curves saves."""
    texts = []
    savefig = plot_curves.plt.Figure.savefig

    def record(fig, *args, **kwargs):
        for ax in fig.axes:
            texts.append(ax.get_title())
            legend = ax.get_legend()
            texts.extend(t.get_text() for t in legend.get_texts())
        return savefig(fig, *args, **kwargs)

    monkeypatch.setattr(plot_curves.plt.Figure, 'savefig', record)
    return texts


def test_plot_curves_draws_the_dataset_class_names(tmp_path, monkeypatch):
    """Names from --classes (names or a classes.txt), the checkpoint's
    dataset_meta, or the dump's pred_class/gt_class, in that order."""
    from nl1d.datasets.class_names import write_classes
    plot_curves = curves
    samples, _, _ = _binary_dump()
    for sample in samples:  # as nl1d's DumpResults writes them
        label = int(sample['gt_label'])
        sample.update(gt_class=('rest', 'AF')[label],
                      pred_label=torch.tensor([label]),
                      pred_class=('rest', 'AF')[label])
    dump = str(tmp_path / 'result.pkl')
    mmengine.dump(samples, dump)
    classes_txt = str(tmp_path / 'classes.txt')
    write_classes(classes_txt, ['negative', 'positive'])
    ckpt = str(tmp_path / 'ckpt.pth')
    torch.save(dict(meta=dict(
        dataset_meta=dict(classes=('non-AF', 'atrial fibrillation')),
        thresholds=dict(thr_acc=dict(threshold=0.5, epoch=3)))), ckpt)
    cases = [
        ({}, 'AF vs rest'),
        (dict(classes=[classes_txt]), 'positive vs negative'),
        (dict(classes=['no', 'yes']), 'yes vs no'),
        (dict(checkpoint=ckpt), 'atrial fibrillation vs non-AF'),
    ]
    for kwargs, task in cases:
        texts = _drawn_texts(monkeypatch, plot_curves)
        plot_curves.plot_dump(dump, str(tmp_path / 'out'), n_bootstrap=0,
                              **kwargs)
        monkeypatch.undo()
        assert f'ROC, {task}, 120 records' in texts
        assert f'Precision-recall, {task}, 120 records' in texts
        positive = task.split(' vs ')[0]
        assert any(t.startswith(f'{positive}: AUROC') for t in texts)
        assert any(t.startswith(f'{positive}: AUPRC') for t in texts)
    assert plot_curves.dumped_class_names(samples) == ['rest', 'AF']
    assert plot_curves.dumped_class_names(
        [dict(pred_score=torch.ones(3) / 3, gt_label=torch.tensor([2]),
              gt_class='other')]) == ['0', '1', 'other']


def test_nonlocal_gates_reads_each_blocks_output_norm(tmp_path, capsys):
    from nl1d.apis import init_recognizer
    cfg = _tiny_nonlocal_cfg()
    cfg_path = str(tmp_path / 'tiny.py')
    cfg.dump(cfg_path)
    model = init_recognizer(cfg)
    # untrained: every block is an identity (zero-initialised gate)
    fresh = gates.nonlocal_gates(model)
    assert set(fresh['blocks']) == {'backbone.layer3.0.non_local_block',
                                    'neck'}
    assert all(s['mean_abs'] == 0 for s in fresh['blocks'].values())
    assert fresh['residual']['mean_abs'] > 0
    with torch.no_grad():
        model.neck.conv_out.norm.weight.copy_(
            torch.linspace(-0.4, 0.2, model.neck.conv_out.norm.weight.numel()))
    ckpt = str(tmp_path / 'tiny.pth')
    torch.save(dict(state_dict=model.state_dict()), ckpt)
    out = str(tmp_path / 'gates.json')
    gates.report_gates(cfg_path, ckpt, out)
    saved = json.load(open(out))
    neck = saved['blocks']['neck']
    assert neck['max_abs'] == pytest.approx(0.4)
    assert neck['mean_abs'] == pytest.approx(
        model.neck.conv_out.norm.weight.abs().mean().item())
    assert saved['blocks']['backbone.layer3.0.non_local_block'][
        'mean_abs'] == 0
    assert 'neck' in capsys.readouterr().out


def test_nonlocal_gates_refuses_a_plain_model():
    from nl1d.apis import init_recognizer
    cfg = _tiny_nonlocal_cfg(non_local=(0, 0, 0, 0))
    cfg.model.neck = None
    with pytest.raises(ValueError, match='no NonLocal1d block'):
        gates.nonlocal_gates(init_recognizer(cfg))


# --------------------------------------------- result files are data

@pytest.fixture(scope='module')
def real_dumps(tmp_path_factory):
    """One ``tools/test.py --dump result.json`` run of the tiny model (its
    initial weights, no training) whose config also dumps ``result.pkl``
    (mmengine's DumpResults format, as mmaction2 writes it): the same
    records in both formats; and a config of the same test split."""
    tmp = tmp_path_factory.mktemp('real_dumps')
    data = write_tiny_dataset(str(tmp / 'data'))
    from nl1d.apis import init_recognizer
    torch.manual_seed(0)
    model = init_recognizer(Config.fromfile(TINY_CONFIG))
    ckpt = str(tmp / 'init.pth')
    torch.save(dict(state_dict=model.state_dict()), ckpt)
    pkl, js = str(tmp / 'result.pkl'), str(tmp / 'result.json')
    config = tmp / 'dump_both.py'
    config.write_text(
        f'_base_ = [{TINY_CONFIG!r}]\n'
        "test_evaluator = [dict(type='AUCMetric'), "
        f"dict(type='DumpResults', out_file_path={pkl!r})]\n")
    run_tool(['tools/test.py', str(config), ckpt, '--work-dir',
              str(tmp / 'work'), '--dump', js], data)
    eval_config = tmp / 'eval.py'
    eval_config.write_text(EVAL_CONFIG.format(root=data))
    return dict(pkl=pkl, json=js, config=str(eval_config), tmp=tmp)


def test_test_py_dump_json_holds_what_the_pickle_holds(real_dumps):
    with open(real_dumps['pkl'], 'rb') as f:
        pickled = pickle.load(f)
    assert len(pickled) == 5 and 'frame_inds' in pickled[0]
    # the restricted reader reads the real pickle as pickle.load does
    assert_same_records(pickled, load_results(real_dumps['pkl']))
    # the .json is plain data, and reads back as the same records
    with open(real_dumps['json']) as f:
        plain = json.load(f)['records']
    assert plain[0]['pred_score'] == pytest.approx(
        pickled[0]['pred_score'].tolist())
    assert_same_records(pickled, load_results(real_dumps['json']))


def _eval_metric_out(eval_metric, dump, config, out):
    eval_metric.evaluate_file(config, dump, threshold=0.5, out=out)
    return json.load(open(out))


def test_every_tool_reads_both_formats_alike(real_dumps, eval_metric,
                                             tmp_path, monkeypatch):
    pkl, js, config = real_dumps['pkl'], real_dumps['json'], \
        real_dumps['config']
    # eval_metric: the same metrics from either file
    metrics = _eval_metric_out(eval_metric, js, config,
                               str(tmp_path / 'm_json.json'))
    assert metrics == _eval_metric_out(eval_metric, pkl, config,
                                       str(tmp_path / 'm_pkl.json'))
    assert 'auc/auroc' in metrics
    # plot_curves: the same figures' titles and legends
    plot_curves = curves
    drawn = []
    for dump in (js, pkl):
        texts = _drawn_texts(monkeypatch, plot_curves)
        plot_curves.plot_dump(dump, str(tmp_path / 'curves'), n_bootstrap=0,
                              threshold=0.5)
        monkeypatch.undo()
        drawn.append(texts)
    assert drawn[0] == drawn[1] and 'ROC, 1 vs 0, 5 records' in drawn[0]
    # fuse_scores: a model fused with itself (one file in each format) is
    # the model; --dump writes the fusion as .json
    fused = str(tmp_path / 'fused.json')
    fused_metrics = fusion.fuse_dumps(config, [js, pkl], threshold=0.5,
                                      dump=fused)
    for key in ('auc/auroc', 'auc/auprc', 'thr_acc/sensitivity'):
        assert fused_metrics[key] == pytest.approx(metrics[key])
    assert [r['filename'] for r in load_results(fused)] == \
        [r['filename'] for r in load_results(js)]
    # compare_scores: no difference between the two files
    compared = comparison.compare_dumps(config, [js, pkl], n_bootstrap=20)
    assert compared['auroc_0'] == compared['auroc_1'] == \
        pytest.approx(metrics['auc/auroc'])
    assert compared['delta_auroc_1'] == 0
    # convert_results: the pickle converts to the .json --dump wrote
    converted = str(tmp_path / 'converted.json')
    assert convert_results(pkl, converted) == 5
    assert_same_records(load_results(js), load_results(converted))


def _reading_tools(tmp_path):
    """Each way a tool reads a dump: name -> call(payload path)."""
    config = str(tmp_path / 'cfg.py')
    with open(config, 'w') as f:
        f.write(EVAL_CONFIG.format(root=str(tmp_path)))
    legit = str(tmp_path / 'legit.pkl')
    mmengine.dump(_binary_dump()[0], legit)

    return {
        'eval_metric': lambda path: dump_eval.evaluate_file(
            config, path, threshold=0.5),
        'plot_curves': lambda path: curves.plot_dump(
            path, str(tmp_path / 'curves')),
        'fuse_scores --preds': lambda path: fusion.fuse_dumps(
            config, [path, legit], threshold=0.5),
        'fuse_scores --val-preds': lambda path: fusion.fuse_dumps(
            config, [legit, legit], val_preds=[legit, path]),
        'compare_scores': lambda path: comparison.compare_dumps(
            config, [legit, path]),
        'convert_results': lambda path: convert_results(
            path, str(tmp_path / 'converted.json')),
    }


TOOLS = ('eval_metric', 'plot_curves', 'fuse_scores --preds',
         'fuse_scores --val-preds', 'compare_scores', 'convert_results')


@pytest.mark.parametrize('tool', TOOLS)
@pytest.mark.parametrize('payload', sorted(PAYLOADS))
def test_tools_refuse_a_crafted_pickle_before_it_runs(
        tool, payload, tmp_path):
    path, marker = write_payload(payload, str(tmp_path))
    with pytest.raises(UnsafeResultFileError) as error:
        _reading_tools(tmp_path)[tool](path)
    assert path in str(error.value) and REFUSED[payload] in str(error.value)
    assert not osp.exists(marker)
    assert not osp.exists(tmp_path / 'converted.json')
    # the same bytes do run code when read with plain pickle.load
    assert_payload_is_live(path, marker)
