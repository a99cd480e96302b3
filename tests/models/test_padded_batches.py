# Copyright (c) nl1d contributors. All rights reserved.
"""Records of different lengths in one padded batch: a record's output is
the same alone or batched with longer records (the non-local block in every
mode and path, the backbone, the head, the recognizer), forward and
backward; batch-norm statistics in training ignore the padding."""
import itertools
import logging

import pytest
import torch
from mmengine.logging import MMLogger
from mmengine.registry import init_default_scope

from mmaction.registry import MODELS
from mmaction.structures import ActionDataSample
from nl1d.models.layers import NonLocal1d
from nl1d.models.layers.masking import (conv_out_lengths, lengths_to_mask,
                                        masked_avg_pool, masked_max_pool,
                                        masked_norm)

IMPLS = {
    'gaussian': ['naive', 'sdpa', 'chunked'],
    'embedded_gaussian': ['naive', 'sdpa', 'chunked'],
    'dot_product': ['naive', 'linear'],
    'concatenation': ['naive', 'sorted'],
}
MODE_IMPL = [(mode, impl) for mode, impls in IMPLS.items()
             for impl in impls + ['auto']]


@pytest.fixture(autouse=True)
def _quiet():
    init_default_scope('mmaction')
    logger = MMLogger.get_current_instance()
    level = logger.level
    logger.setLevel(logging.ERROR)
    yield
    logger.setLevel(level)


def _pad(records, length=None):
    """Right-pad (C, L_i) records into (N, C, L) and their lengths."""
    length = length or max(r.shape[-1] for r in records)
    batch = records[0].new_zeros(len(records), records[0].shape[0], length)
    for i, record in enumerate(records):
        batch[i, :, :record.shape[-1]] = record
    lengths = torch.tensor([r.shape[-1] for r in records])
    return batch, lengths


def _randomise_norms(module):
    for m in module.modules():
        if isinstance(m, torch.nn.modules.batchnorm._BatchNorm):
            m.weight.data.normal_()
            m.bias.data.normal_()
            m.running_mean.normal_()
            m.running_var.uniform_(0.5, 2)


@pytest.mark.parametrize('sub_sample', [False, True])
@pytest.mark.parametrize('mode, impl', MODE_IMPL)
def test_non_local_alone_equals_batched(mode, impl, sub_sample):
    torch.manual_seed(0)
    block = NonLocal1d(8, mode=mode, sub_sample=sub_sample, attn_impl=impl,
                       zeros_init=False, std=0.3,
                       norm_cfg=dict(type='BN1d')).double()
    _randomise_norms(block)
    block.eval()
    records = [torch.randn(8, n, dtype=torch.double) for n in (37, 64, 21)]
    for r in records:
        r.requires_grad_(True)
    batch, lengths = _pad(records, 70)
    out = block(batch, lengths)  # (3, 8, 70)
    weights = torch.randn_like(out)
    (out * weights).sum().backward()
    for i, record in enumerate(records):
        n = record.shape[-1]
        assert not out[i, :, n:].any()  # padding stays zero
        grad_batched = record.grad.clone()
        record.grad = None
        alone = block(record[None])[0]
        torch.testing.assert_close(out[i, :, :n], alone, rtol=1e-9,
                                   atol=1e-10)
        (alone * weights[i, :, :n]).sum().backward()
        torch.testing.assert_close(grad_batched, record.grad, rtol=1e-9,
                                   atol=1e-10)
    # the same block, the same records, more padding: the same outputs
    more, _ = _pad([r.detach() for r in records], 95)
    torch.testing.assert_close(block(more, lengths)[..., :70], out.detach())


def test_non_local_masked_attention_map_rows():
    torch.manual_seed(0)
    block = NonLocal1d(8, mode='embedded_gaussian', zeros_init=False).eval()
    batch, lengths = _pad([torch.randn(8, 10), torch.randn(8, 16)])
    attn = block.attention_map(batch, lengths)  # (2, 16, 16)
    assert attn[0, :, 10:].abs().max() == 0
    torch.testing.assert_close(attn[0, :10, :10],
                               block.attention_map(batch[:1, :, :10])[0])


def test_non_local_refuses_bad_lengths():
    block = NonLocal1d(4)
    with pytest.raises(ValueError, match='valid lengths must lie in'):
        block(torch.randn(2, 4, 8), torch.tensor([3, 9]))
    with pytest.raises(ValueError, match='one valid length per input'):
        block(torch.randn(2, 4, 8), torch.tensor([3]))


def _backbone(depth, non_local, sub_sample=False):
    cfg = dict(type='ResNet1d', depth=depth)
    if non_local:
        blocks = ((0, 0), (0, 1), (1, 0), (0, 1)) if depth == 18 else \
            ((0, 0, 0), (0, 1, 0, 1), (0, 1, 0, 1, 0, 1), (0, 0, 0))
        cfg.update(non_local=blocks,
                   non_local_cfg=dict(norm_cfg=dict(type='BN1d'),
                                      sub_sample=sub_sample, std=0.3,
                                      zeros_init=False))
    torch.manual_seed(0)
    backbone = MODELS.build(cfg).double()
    _randomise_norms(backbone)
    return backbone


@pytest.mark.parametrize('depth, non_local, sub_sample',
                         [(18, False, False), (18, True, False),
                          (18, True, True), (50, True, False)])
def test_backbone_alone_equals_batched(depth, non_local, sub_sample):
    backbone = _backbone(depth, non_local, sub_sample).eval()
    torch.manual_seed(1)
    records = [
        torch.randn(1, n, dtype=torch.double, requires_grad=True)
        for n in (1501, 3000, 777)
    ]
    batch, lengths = _pad(records)
    out = backbone(batch, lengths)  # (3, 512 or 2048, 94)
    out_lengths = backbone.out_lengths(lengths)
    weights = torch.randn_like(out)
    (out * weights).sum().backward()
    for i, record in enumerate(records):
        n = int(out_lengths[i])
        alone = backbone(record[None])[0]
        assert alone.shape[-1] == n
        torch.testing.assert_close(out[i, :, :n], alone)
        assert not out[i, :, n:].any()
        grad_batched = record.grad.clone()
        record.grad = None
        (alone * weights[i, :, :n]).sum().backward()
        torch.testing.assert_close(grad_batched, record.grad)


def test_backbone_training_statistics_ignore_padding():
    """In training, batch norm uses valid positions only: the same records
    padded to 3000 or 4000 samples give the same outputs and the same
    running statistics."""
    records = [torch.randn(1, n, dtype=torch.double) for n in (1501, 3000)]
    short, lengths = _pad(records, 3000)
    long, _ = _pad(records, 4000)
    outs, stats = [], []
    for batch in (short, long):
        backbone = _backbone(18, True).train()
        outs.append(backbone(batch, lengths))
        stats.append(backbone.layer2[0].bn1.running_mean.clone())
    torch.testing.assert_close(outs[1][..., :outs[0].shape[-1]], outs[0])
    torch.testing.assert_close(stats[0], stats[1])
    # and they differ from statistics polluted by the zeros of the padding
    backbone = _backbone(18, True).train()
    backbone(long)
    assert not torch.allclose(backbone.layer2[0].bn1.running_mean, stats[0])


def test_masked_norm_counts_valid_positions_only():
    norm = torch.nn.BatchNorm1d(3).double().train()
    x = torch.randn(2, 3, 10, dtype=torch.double)
    lengths = torch.tensor([4, 10])
    out = masked_norm(norm, x, lengths_to_mask(lengths, 10))
    valid = torch.cat([x[0, :, :4], x[1]], dim=1)  # (3, 14)
    expected = (valid - valid.mean(1, keepdim=True)) / torch.sqrt(
        valid.var(1, unbiased=False, keepdim=True) + norm.eps)
    torch.testing.assert_close(out[0, :, :4], expected[:, :4])
    torch.testing.assert_close(out[1], expected[:, 4:])
    assert out[0, :, 4:].abs().max() == 0


def test_masked_pools_and_lengths():
    x = torch.arange(12.).view(1, 1, 12).repeat(2, 2, 1)
    lengths = torch.tensor([4, 12])
    torch.testing.assert_close(masked_avg_pool(x, lengths)[:, 0],
                               torch.tensor([1.5, 5.5]))
    torch.testing.assert_close(masked_max_pool(x, lengths)[:, 0],
                               torch.tensor([3., 11.]))
    for n, k, s, p in itertools.product(range(1, 30), (1, 3, 7), (1, 2),
                                        (0, 1, 3)):
        if n + 2 * p < k:
            continue
        conv = torch.nn.Conv1d(1, 1, k, s, p)
        assert conv(torch.zeros(1, 1, n)).shape[-1] == int(
            conv_out_lengths(torch.tensor([n]), k, s, p))


def _recognizer(neck=True, spatial_type='avg'):
    cfg = dict(
        type='Recognizer1D',
        backbone=dict(type='ResNet1d', depth=18,
                      non_local=((0, 0), (0, 0), (0, 1), (0, 0)),
                      non_local_cfg=dict(norm_cfg=dict(type='BN1d'),
                                         zeros_init=False, std=0.3)),
        neck=dict(type='NonLocalNeck1d', in_channels=512, zeros_init=False,
                  std=0.3, norm_cfg=dict(type='BN1d')) if neck else None,
        cls_head=dict(type='SignalHead', num_classes=3, in_channels=512,
                      spatial_type=spatial_type, average_clips='prob'),
        data_preprocessor=dict(type='SignalDataPreprocessor',
                               mean=[0.5], std=[2.0]))
    torch.manual_seed(0)
    model = MODELS.build(cfg)
    _randomise_norms(model)
    return model.eval()


def _samples(records):
    data = []
    for i, record in enumerate(records):
        sample = ActionDataSample().set_gt_label(i % 3)
        data.append(dict(inputs=record[None], data_samples=sample))
    return data


@pytest.mark.parametrize('neck, spatial_type', [(True, 'avg'),
                                                (False, 'max')])
def test_recognizer_scores_alone_equal_batched(neck, spatial_type):
    """Ragged inputs through the data preprocessor (which pads and records
    valid lengths) give each record the score it gets alone."""
    from mmengine.dataset import pseudo_collate
    model = _recognizer(neck, spatial_type)
    torch.manual_seed(2)
    records = [torch.randn(1, n) for n in (905, 2400, 1333)]
    with torch.no_grad():
        batched = model.test_step(pseudo_collate(_samples(records)))
        for record, result in zip(records, batched):
            alone = model.test_step(pseudo_collate(_samples([record])))[0]
            torch.testing.assert_close(result.pred_score, alone.pred_score,
                                       rtol=1e-4, atol=1e-6)
            assert result.metainfo['valid_length'] == record.shape[-1]


def test_recognizer_trains_on_a_ragged_batch():
    from mmengine.dataset import pseudo_collate
    from mmengine.optim import OptimWrapper
    model = _recognizer().train()
    wrapper = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.01))
    records = [torch.randn(1, n) for n in (905, 2400, 1333, 2400)]
    before = [p.detach().clone() for p in model.parameters()]
    losses = model.train_step(pseudo_collate(_samples(records)), wrapper)
    assert torch.isfinite(losses['loss_cls'])
    after = list(model.parameters())
    assert all(torch.isfinite(p).all() for p in after)
    assert any(not torch.equal(b, a) for b, a in zip(before, after))


def test_recognizer_refuses_a_head_that_cannot_mask():
    from mmengine.dataset import pseudo_collate
    model = _recognizer(neck=False)
    model.cls_head.forward = lambda x, **kwargs: x.mean(-1)
    records = [torch.randn(1, n) for n in (905, 2400)]
    with pytest.raises(ValueError, match='cannot ignore the padding'):
        model.test_step(pseudo_collate(_samples(records)))
