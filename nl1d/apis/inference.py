# Copyright (c) nl1d contributors. All rights reserved.
"""Build a recognizer from a config and classify signal records, in the
style of ``mmaction.apis``; ``python -m nl1d.apis.inference`` classifies
many files at once.

Example:
    python -m nl1d.apis.inference configs/nl1d/nl_r18_res5_8xb32_signal.py \
        work_dirs/nl_r18/best_auc_auroc_epoch_7.pth data/demo/signals \
        --out scores.csv
"""
import copy
import inspect
import os.path as osp
from pathlib import Path
from typing import (Any, Callable, Dict, Iterable, Iterator, List, Optional,
                    Sequence, Tuple, Union)

import mmengine
import numpy as np
import torch
import torch.nn as nn
from mmaction.registry import MODELS
from mmaction.structures import ActionDataSample
from mmengine.dataset import Compose, pseudo_collate
from mmengine.registry import init_default_scope

from nl1d.checkpoint.schemes import load_checkpoint
from nl1d.datasets.annotation import record_info
from nl1d.datasets.class_names import classes_of_dataset_cfg
from nl1d.datasets.collate import pad_collate
from nl1d.datasets.signal_io import open_signal
from nl1d.evaluation.metrics.thresholds import stored_thresholds
from .onnx_metadata import check_classes, check_thresholds

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
        nn.Module: The recognizer in eval mode, with the config as ``cfg``,
        ``dataset_meta`` with the class names (``classes``: the
        checkpoint's, i.e. the training dataset's; for a checkpoint without
        them, those of the config's test dataset, e.g. its ``classes.txt``;
        see :func:`classes_from_config`) and, when the checkpoint holds
        them, ``thresholds`` (chosen on validation, see
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
            _check_literals(model.dataset_meta, 'classes', check_classes,
                            checkpoint)
        thresholds = stored_thresholds(meta)
        if thresholds:
            _check_literals({'thresholds': thresholds}, 'thresholds',
                            check_thresholds, checkpoint)
            model.thresholds = copy.deepcopy(thresholds)
    dataset_meta = getattr(model, 'dataset_meta', None) or {}
    if not dataset_meta.get('classes'):
        classes = classes_from_config(config)
        if classes is not None:
            model.dataset_meta = dict(dataset_meta, classes=classes)
    model.to(device)
    model.eval()
    return model


def _test_dataset_cfg(cfg: mmengine.Config) -> Optional[Dict]:
    """The innermost dataset config of ``test_dataloader`` (through dataset
    wrappers such as ``RepeatDataset``), or None without one."""
    loader = cfg.get('test_dataloader')
    dataset = loader.get('dataset') if isinstance(loader, dict) else None
    while isinstance(dataset, dict) and 'pipeline' not in dataset and \
            isinstance(dataset.get('dataset'), dict):
        dataset = dataset['dataset']
    return dataset if isinstance(dataset, dict) else None


def _check_literals(values: Any, key: str, check: Callable,
                    checkpoint: str) -> None:
    """Check ``values[key]`` read from ``checkpoint`` with one of the ONNX
    metadata checks (literal values of bounded size), naming the file."""
    if not isinstance(values, dict) or values.get(key) is None:
        return
    value = values[key]
    try:
        check(list(value) if isinstance(value, tuple) else value)
    except ValueError as e:
        raise ValueError(
            f'Checkpoint {checkpoint}: meta {key!r} refused: {e}. '
            'Re-save the checkpoint with plain class names / thresholds, '
            'or give them in your config.') from None


def classes_from_config(cfg: mmengine.Config) -> Optional[Tuple[str, ...]]:
    """The class names of the config's test dataset (else its training
    dataset), as :class:`~nl1d.datasets.SignalDataset` would read them:
    ``classes``, ``metainfo.classes``, or the class-name file beside its
    annotation file. No record is read.

    Args:
        cfg (:obj:`mmengine.Config`): The model's config.

    Returns:
        tuple[str] | None: The names, or None when the config names none
        and no class-name file exists.
    """
    for loader in ('test_dataloader', 'train_dataloader'):
        dataset = (cfg.get(loader) or {}).get('dataset')
        while isinstance(dataset, dict) and 'ann_file' not in dataset and \
                isinstance(dataset.get('dataset'), dict):
            dataset = dataset['dataset']
        if isinstance(dataset, dict) and dataset.get('ann_file'):
            classes = classes_of_dataset_cfg(dataset)
            if classes is not None:
                return classes
    return None


def get_test_pipeline(cfg: mmengine.Config) -> List[Dict]:
    """The pipeline ``tools/test.py`` runs on each record.

    That is ``test_dataloader.dataset.pipeline`` (looking through dataset
    wrappers), not the top-level ``test_pipeline`` variable: an inherited
    config that changes the test dataset's pipeline leaves the variable at
    its base's value (another window length), and reading it would classify
    a record differently from ``tools/test.py``. The variable is used only
    when the config has no test dataloader.

    Args:
        cfg (:obj:`mmengine.Config`): The model's config.

    Returns:
        list[dict]: A copy of the pipeline's transform configs.

    Raises:
        KeyError: The config has neither.
    """
    dataset = _test_dataset_cfg(cfg)
    if dataset is not None and dataset.get('pipeline') is not None:
        return copy.deepcopy(list(dataset['pipeline']))
    if cfg.get('test_pipeline') is not None:
        return copy.deepcopy(list(cfg.test_pipeline))
    raise KeyError(
        'The config has neither `test_dataloader.dataset.pipeline` nor '
        '`test_pipeline`: add the test dataloader (the pipeline tools/test.py '
        'runs) or pass `test_pipeline=` to inference_recognizer.')


def get_sampling_rate(cfg: mmengine.Config) -> Optional[float]:
    """The test dataset's ``sampling_rate`` (Hz), if the config states it.

    Args:
        cfg (:obj:`mmengine.Config`): The model's config.

    Returns:
        float | None: The rate, or None.
    """
    dataset = _test_dataset_cfg(cfg)
    return None if dataset is None else dataset.get('sampling_rate')


def prepare_record(pipeline: List[Dict],
                   signal_or_path: Union[str, Path, np.ndarray,
                                         torch.Tensor],
                   sampling_rate: Optional[float] = None) -> Dict:
    """Run a test pipeline on one record, as the test dataset does.

    A path runs the whole pipeline (``LoadSignal``, window sampling,
    packing); an array runs it without its loading step
    (:data:`LOADING_TRANSFORMS`).

    Args:
        pipeline (list[dict]): Transform configs, e.g. from
            :func:`get_test_pipeline`.
        signal_or_path (str | Path | np.ndarray | Tensor): A ``.npy`` file
            of shape (C, L), or the array itself (C, L) (a 1-D array is one
            channel).
        sampling_rate (float, optional): Hz, for pipelines that resample.
            Defaults to None.

    Returns:
        dict: The packed record: ``inputs`` (num_clips, C, L) and
        ``data_samples``.
    """
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
    return Compose(copy.deepcopy(pipeline))(data)


def _is_many(records: Any) -> bool:
    """Whether ``records`` is several records (a list or tuple of them)
    rather than one (a path or an array)."""
    return isinstance(records, (list, tuple))


def default_batch_size(model: nn.Module) -> int:
    """Records per forward pass when classifying several: the config's
    ``test_dataloader.batch_size`` (what ``tools/test.py`` batches), 1
    without one, and 1 when ``model.test_cfg.max_testing_views`` is set
    (it needs batches of one record).

    Args:
        model (nn.Module): A recognizer from :func:`init_recognizer`.

    Returns:
        int: The batch size.
    """
    if (getattr(model, 'test_cfg', None) or {}).get('max_testing_views'):
        return 1
    cfg = getattr(model, 'cfg', None)
    loader = (cfg.get('test_dataloader') if cfg is not None else None) or {}
    return max(1, int(loader.get('batch_size') or 1))


def masks_padding(model: nn.Module) -> bool:
    """Whether ``model`` can score a right-padded batch of records of
    different lengths as it scores each record alone: its backbone, neck
    and head take the valid ``lengths`` (:class:`~nl1d.models.ResNet1d`,
    :class:`~nl1d.models.NonLocalNeck1d`, :class:`~nl1d.models.SignalHead`),
    and ``max_testing_views`` (batches of one record) is not set.

    Args:
        model (nn.Module): A recognizer.

    Returns:
        bool: True when records of different lengths may share a batch.
    """
    if (getattr(model, 'test_cfg', None) or {}).get('max_testing_views'):
        return False
    parts = [getattr(model, 'backbone', None)]
    if getattr(model, 'with_neck', False):
        parts.append(model.neck)
    if getattr(model, 'with_cls_head', True):
        parts.append(getattr(model, 'cls_head', None))
    return all(
        part is not None and
        'lengths' in inspect.signature(part.forward).parameters
        for part in parts)


def _batches(packed: Iterable[Dict], batch_size: int,
             pad: bool) -> Iterator[List[Dict]]:
    """Consecutive packed records in batches of up to ``batch_size``; a
    record starts a new batch when its windows differ from the batch's in
    count or channels (``pad_collate`` pads the length only), or in length
    when ``pad`` is False."""
    batch: List[Dict] = []
    for data in packed:
        if batch:
            first, shape = batch[0]['inputs'].shape, data['inputs'].shape
            fits = first[:-1] == shape[:-1] and (pad or first == shape)
            if len(batch) >= batch_size or not fits:
                yield batch
                batch = []
        batch.append(data)
    if batch:
        yield batch


def iter_inference(model: nn.Module,
                   records: Iterable[Union[str, Path, np.ndarray,
                                           torch.Tensor]],
                   test_pipeline: Optional[List[Dict]] = None,
                   sampling_rate: Optional[float] = None,
                   batch_size: Optional[int] = None
                   ) -> Iterator[ActionDataSample]:
    """Classify records in padded batches, yielding one result per record,
    in order (records are read as their batch is formed, not all first).

    Records of different lengths (whole records,
    ``SampleWindows(clip_len=None)``) share a batch as in ``tools/test.py``
    with ``collate_fn=dict(type='pad_collate')``: right-padded to the
    batch's longest, each with its ``valid_length``, which the model masks;
    so each record's ``pred_score`` equals its score alone and its score in
    ``tools/test.py``'s batches. A model that cannot mask the padding
    (:func:`masks_padding` is False) gets batches of equal lengths only.

    Args:
        model (nn.Module): A recognizer from :func:`init_recognizer`.
        records (Iterable): ``.npy`` paths or arrays (C, L) (or (L,)).
        test_pipeline (list[dict], optional): See
            :func:`inference_recognizer`. Defaults to None.
        sampling_rate (float, optional): See :func:`inference_recognizer`.
            Defaults to None.
        batch_size (int, optional): Records per forward pass. Defaults to
            None (:func:`default_batch_size`: the config's test batch size).

    Yields:
        :obj:`ActionDataSample`: As :func:`inference_recognizer` returns
        for one record.
    """
    cfg = model.cfg
    init_default_scope(cfg.get('default_scope', 'mmaction'))
    pipeline = get_test_pipeline(cfg) if test_pipeline is None \
        else copy.deepcopy(test_pipeline)
    if sampling_rate is None:
        sampling_rate = get_sampling_rate(cfg)
    if batch_size is None:
        batch_size = default_batch_size(model)
    if batch_size < 1:
        raise ValueError(f'batch_size must be >= 1, got {batch_size}.')
    packed = (prepare_record(pipeline, record, sampling_rate)
              for record in records)
    for batch in _batches(packed, batch_size, masks_padding(model)):
        # one record: as before; several: right-padded, valid_length set
        data = pseudo_collate(batch) if len(batch) == 1 else \
            pad_collate(batch)
        with torch.no_grad():  # not around the yield: grad mode is global
            results = model.test_step(data)
        yield from results


def inference_recognizer(
    model: nn.Module,
    signal_or_path: Union[str, Path, np.ndarray, torch.Tensor,
                          Sequence[Union[str, Path, np.ndarray,
                                         torch.Tensor]]],
    test_pipeline: Optional[List[Dict]] = None,
    sampling_rate: Optional[float] = None,
    batch_size: Optional[int] = None
) -> Union[ActionDataSample, List[ActionDataSample]]:
    """Classify one record (or several) with a recognizer.

    The record goes through the pipeline ``tools/test.py`` runs
    (:func:`get_test_pipeline`: the test dataset's, whole for a ``.npy``
    path, without its loading step for an array) and the model's
    ``test_step``, so ``pred_score`` equals the one ``tools/test.py --dump``
    writes for the same record and checkpoint. Records may have any length
    when the test pipeline takes them whole
    (``SampleWindows(clip_len=None)``).

    Several records (a list or tuple) are classified in batches of
    ``batch_size``, right-padded as ``tools/test.py`` pads them
    (:func:`iter_inference`): each record's ``pred_score`` is the one it
    gets alone.

    Args:
        model (nn.Module): A recognizer from :func:`init_recognizer`.
        signal_or_path (str | Path | np.ndarray | Tensor | list): A ``.npy``
            file of shape (C, L), or the array itself (C, L) (a 1-D array is
            one channel); or a list (tuple) of those.
        test_pipeline (list[dict], optional): Pipeline configs to use
            instead of the test dataset's. Defaults to None.
        sampling_rate (float, optional): Sampling rate of the signal in Hz,
            for pipelines that resample. Defaults to None (the test
            dataset's ``sampling_rate``).
        batch_size (int, optional): Records per forward pass, for a list.
            Defaults to None (the config's ``test_dataloader.batch_size``,
            see :func:`default_batch_size`).

    Returns:
        :obj:`ActionDataSample` | list: ``pred_score`` (K,) holds the class
        probabilities (averaged over the windows with
        ``average_clips='prob'``), ``pred_label`` the top class; a list of
        them, in order, for a list of records.

    Examples:
        >>> result = inference_recognizer(model, 'record.npy')
        >>> results = inference_recognizer(model, ['a.npy', 'b.npy'])
    """
    if _is_many(signal_or_path):
        return list(
            iter_inference(model, signal_or_path, test_pipeline,
                           sampling_rate, batch_size))
    return next(
        iter_inference(model, [signal_or_path], test_pipeline,
                       sampling_rate, 1))


def __getattr__(name: str):
    # score_rows (batch scoring) lives in nl1d.apis.score_files now
    if name == 'score_rows':
        from .score_files import score_rows
        return score_rows
    raise AttributeError(f'module {__name__!r} has no attribute {name!r}')


def main(argv: Optional[Sequence[str]] = None) -> None:
    """``python -m nl1d.apis.inference CONFIG CKPT a.npy b.npy --out
    scores.csv``: :func:`nl1d.apis.score_files.main`."""
    from .score_files import main as score_files_main
    score_files_main(argv)


if __name__ == '__main__':
    main()
