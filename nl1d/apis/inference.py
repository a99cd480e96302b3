# Copyright (c) nl1d contributors. All rights reserved.
"""Build a recognizer from a config and classify one signal record, in the
style of ``mmaction.apis``."""
import copy
import os.path as osp
from pathlib import Path
from typing import Dict, List, Optional, Union

import mmengine
import numpy as np
import torch
import torch.nn as nn
from mmaction.registry import MODELS
from mmaction.structures import ActionDataSample
from mmengine.dataset import Compose, pseudo_collate
from mmengine.registry import init_default_scope
from mmengine.runner import load_checkpoint

from nl1d.datasets.annotation import record_info
from nl1d.datasets.signal_io import open_signal
from nl1d.engine.hooks.threshold_hook import stored_thresholds

#: Pipeline steps that read a record from disk; dropped for array inputs.
LOADING_TRANSFORMS = ('LoadSignal', )


def init_recognizer(config: Union[str, Path, mmengine.Config],
                    checkpoint: Optional[str] = None,
                    device: Union[str, torch.device] = 'cpu') -> nn.Module:
    """Build a recognizer from a config and load its weights.

    Args:
        config (str | Path | :obj:`mmengine.Config`): Config file or object.
        checkpoint (str, optional): Checkpoint path. Defaults to None (the
            model keeps its initial weights).
        device (str | torch.device): Device of the returned model. Defaults
            to ``'cpu'``.

    Returns:
        nn.Module: The recognizer in eval mode, with the config as ``cfg``
        and, when the checkpoint holds them, ``dataset_meta`` (class names)
        and ``thresholds`` (chosen on validation, see
        :class:`~nl1d.engine.ThresholdHook`).
    """
    if isinstance(config, (str, Path)):
        config = mmengine.Config.fromfile(str(config))
    elif not isinstance(config, mmengine.Config):
        raise TypeError('config must be a filename or Config object, '
                        f'but got {type(config)}')
    init_default_scope(config.get('default_scope', 'mmaction'))
    model_cfg = copy.deepcopy(config.model)
    backbone = model_cfg.get('backbone') or {}
    if backbone.get('pretrained'):
        backbone['pretrained'] = None  # the checkpoint provides the weights
    model = MODELS.build(model_cfg)
    model.cfg = config
    if checkpoint is not None:
        ckpt = load_checkpoint(model, checkpoint, map_location='cpu')
        meta = ckpt.get('meta', {}) if isinstance(ckpt, dict) else {}
        if 'dataset_meta' in meta:
            model.dataset_meta = copy.deepcopy(meta['dataset_meta'])
        thresholds = stored_thresholds(meta)
        if thresholds:
            model.thresholds = copy.deepcopy(thresholds)
    model.to(device)
    model.eval()
    return model


def _test_pipeline(cfg: mmengine.Config) -> List[Dict]:
    """The config's ``test_pipeline`` (or the test dataset's)."""
    if cfg.get('test_pipeline') is not None:
        return copy.deepcopy(cfg.test_pipeline)
    try:
        return copy.deepcopy(cfg.test_dataloader.dataset.pipeline)
    except AttributeError as e:
        raise KeyError(
            'The config has neither `test_pipeline` nor '
            '`test_dataloader.dataset.pipeline`; pass `test_pipeline=` to '
            'inference_recognizer.') from e


def _sampling_rate(cfg: mmengine.Config) -> Optional[float]:
    """The test dataset's sampling rate, if the config states it."""
    try:
        return cfg.test_dataloader.dataset.get('sampling_rate')
    except AttributeError:
        return None


def inference_recognizer(model: nn.Module,
                         signal_or_path: Union[str, Path, np.ndarray,
                                               torch.Tensor],
                         test_pipeline: Optional[List[Dict]] = None,
                         sampling_rate: Optional[float] = None
                         ) -> ActionDataSample:
    """Classify one record with a recognizer.

    A path to a ``.npy`` file runs the config's whole test pipeline
    (``LoadSignal``, window sampling, packing). An array runs the same
    pipeline without its loading step (:data:`LOADING_TRANSFORMS`).

    Args:
        model (nn.Module): A recognizer from :func:`init_recognizer`.
        signal_or_path (str | Path | np.ndarray | Tensor): A ``.npy`` file
            of shape (C, L), or the array itself (C, L) (a 1-D array is one
            channel).
        test_pipeline (list[dict], optional): Pipeline configs to use
            instead of the config's ``test_pipeline``. Defaults to None.
        sampling_rate (float, optional): Sampling rate of the signal in Hz,
            for pipelines that resample. Defaults to None (the test
            dataset's ``sampling_rate``).

    Returns:
        :obj:`ActionDataSample`: ``pred_score`` (K,) holds the class
        probabilities (averaged over the windows with
        ``average_clips='prob'``), ``pred_label`` the top class.
    """
    cfg = model.cfg
    init_default_scope(cfg.get('default_scope', 'mmaction'))
    pipeline = _test_pipeline(cfg) if test_pipeline is None \
        else copy.deepcopy(test_pipeline)
    if sampling_rate is None:
        sampling_rate = _sampling_rate(cfg)

    if isinstance(signal_or_path, (str, Path)):
        path = str(signal_or_path)
        if not osp.isfile(path):
            raise FileNotFoundError(f'signal file {path} does not exist.')
        if not path.endswith('.npy'):
            raise ValueError(f'{path}: give a .npy file of shape (C, L) (or '
                             'the array itself).')
        data = record_info(path, open_signal(path).shape[-1],
                           sampling_rate=sampling_rate)
    elif isinstance(signal_or_path, (np.ndarray, torch.Tensor)):
        signal = signal_or_path
        if isinstance(signal, torch.Tensor):
            signal = signal.detach().cpu().numpy()
        signal = np.asarray(signal, dtype=np.float32)
        if signal.ndim == 1:
            signal = signal[None]  # (1, L)
        if signal.ndim != 2:
            raise ValueError(f'The signal must be (C, L) (or (L,)), got '
                             f'shape {signal.shape}.')
        pipeline = [
            t for t in pipeline if t.get('type') not in LOADING_TRANSFORMS
        ]
        data = record_info(
            '<array>',
            signal.shape[1],
            sampling_rate=sampling_rate,
            signal=signal,  # (C, L)
            num_channels=signal.shape[0])
    else:
        raise TypeError('signal_or_path must be a .npy path or an array '
                        f'(C, L), got {type(signal_or_path)}.')

    data = Compose(pipeline)(data)
    batch = pseudo_collate([data])
    with torch.no_grad():
        result = model.test_step(batch)[0]
    return result
