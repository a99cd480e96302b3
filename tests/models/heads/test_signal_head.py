# Copyright (c) nl1d contributors. All rights reserved.
import pytest
import torch
from mmengine.structures import LabelData  # noqa: F401  (mmaction dep)

import nl1d  # noqa: F401  (stack repairs + registration)
from mmaction.registry import MODELS
from mmaction.structures import ActionDataSample


def _build(**kwargs):
    cfg = dict(type='SignalHead', num_classes=3, in_channels=8)
    cfg.update(kwargs)
    return MODELS.build(cfg)


def test_forward_pools_then_projects():
    head = _build(dropout_ratio=0.0)
    head.init_weights()
    x = torch.randn(4, 8, 17)  # (N, C, L)
    scores = head(x)
    assert scores.shape == (4, 3)
    expected = head.fc_cls(x.mean(dim=2))
    torch.testing.assert_close(scores, expected)


def test_max_pool_and_bad_pool():
    head = _build(dropout_ratio=0.0, spatial_type='max')
    x = torch.randn(2, 8, 5)
    torch.testing.assert_close(head(x), head.fc_cls(x.amax(dim=2)))
    with pytest.raises(ValueError, match='spatial_type'):
        _build(spatial_type='sum')


def test_wrong_channels_names_the_fix():
    head = _build()
    with pytest.raises(ValueError, match='in_channels'):
        head(torch.randn(2, 7, 5))


def test_dropout_active_only_in_training():
    head = _build(dropout_ratio=0.5)
    x = torch.randn(64, 8, 3)
    head.eval()
    torch.testing.assert_close(head(x), head(x))
    head.train()
    torch.manual_seed(0)
    assert not torch.allclose(head(x), head.fc_cls(x.mean(dim=2)))


def test_predict_averages_clip_probabilities():
    """pred_score of a record is the mean of its clips' softmax."""
    head = _build(dropout_ratio=0.0, average_clips='prob')
    num_clips, samples = 5, [ActionDataSample(), ActionDataSample()]
    x = torch.randn(2 * num_clips, 8, 11)  # (N * num_clips, C, L)
    head.eval()
    preds = head.predict(x, samples)
    clip_probs = head(x).softmax(dim=1).view(2, num_clips, 3)
    for i, pred in enumerate(preds):
        torch.testing.assert_close(pred.pred_score, clip_probs[i].mean(0))
        assert pred.pred_score.shape == (3, )


def test_init_weights_normal_std():
    torch.manual_seed(0)
    head = MODELS.build(
        dict(type='SignalHead', num_classes=2, in_channels=2048,
             init_std=0.01))
    head.init_weights()
    assert abs(head.fc_cls.weight.std().item() - 0.01) < 1e-3
    assert torch.count_nonzero(head.fc_cls.bias) == 0
