# Copyright (c) nl1d contributors. All rights reserved.
"""Config checks that nothing else makes before the first iteration.

mmengine already stops a run before its first iteration on an unknown
``type`` (the registry's ``KeyError``), a misspelled argument (the class's
``TypeError``), and, through :class:`~nl1d.datasets.SignalDataset` (built
with the dataloaders), on a missing annotation file or bad records. What only
the first iteration would reveal is a model that disagrees with the data:

* ``model.backbone.in_channels`` other than the channels of the records (a
  shape error in the first convolution);
* labels at or above ``model.cls_head.num_classes`` (an index error in the
  loss, or a device-side assert on GPU).

:func:`check_config` reads the annotation files of the dataloaders that will
run and the first record's header, and raises a :class:`ConfigError` naming
the config key, the file and the fix.

It also refuses ``compile=True`` in training, which fails inside
torch.compile with this stack (the error says why and what to do instead).

It also warns (without stopping) about a choice that runs but misleads:
``default_hooks.checkpoint.save_best`` on a validation set too small to rank
epochs (fewer than :data:`MIN_VAL_RECORDS` records, or fewer than
:data:`MIN_VAL_PER_CLASS` of its rarest class), where the "best" epoch is
mostly noise.
"""
import logging
import os.path as osp
from collections import Counter
from typing import Any, Iterator, List, Optional, Tuple

import numpy as np
from mmengine.config import Config
from mmengine.logging import print_log

from nl1d.datasets.annotation import AnnotationRecord, load_annotation

#: Fewer validation records than this make ``save_best`` a noisy choice.
MIN_VAL_RECORDS = 50
#: Fewer validation records of the rarest class than this, likewise.
MIN_VAL_PER_CLASS = 10


class ConfigError(ValueError):
    """A config that would fail once the run has started."""


def _dataset_leaves(node: Any) -> Iterator[dict]:
    """Dataset configs below a (possibly wrapped) dataset config."""
    if isinstance(node, (list, tuple)):
        for item in node:
            yield from _dataset_leaves(item)
    elif isinstance(node, dict):
        inner = node.get('dataset', node.get('datasets'))
        if inner is not None:
            yield from _dataset_leaves(inner)
        else:
            yield node


def _joined(data_root: Optional[str], path: str) -> str:
    """``path`` under ``data_root``, as mmengine's ``BaseDataset`` joins."""
    if data_root and not osp.isabs(path) and '://' not in path:
        return osp.join(data_root, path)
    return path


def _local_records(
        dataset: dict) -> Tuple[Optional[str], List[AnnotationRecord]]:
    """The annotation file of a dataset config, joined to its ``data_root``,
    and its records.

    Args:
        dataset (dict): A dataset config.

    Returns:
        tuple[str | None, list[AnnotationRecord]]: ``(ann_file, records)``;
        ``(None, [])`` when the dataset names no local annotation file that
        exists.
    """
    ann_file = dataset.get('ann_file')
    if not ann_file:
        return None, []
    ann_file = _joined(dataset.get('data_root'), ann_file)
    if '://' in ann_file or not osp.isfile(ann_file):
        return None, []
    records, _ = load_annotation(ann_file)
    return ann_file, records


def _check_dataset(dataset: dict, loader: str, in_channels: Optional[int],
                   num_classes: Optional[int], errors: List[str]) -> None:
    """Labels against ``num_classes``, the first record against
    ``in_channels``. Unreadable input is left to the dataset's own checks,
    which name every problem when the dataloader is built."""
    ann_file, records = _local_records(dataset)
    if not records:
        return
    if num_classes is not None:
        bad = sorted({r.label for r in records if r.label >= num_classes})
        if bad:
            errors.append(
                f'model.cls_head.num_classes={num_classes}, but {ann_file} '
                f'({loader}) has labels {bad[:10]}: set num_classes to the '
                'number of classes in the data.')
    if in_channels is None:
        return
    prefix = (dataset.get('data_prefix') or {}).get('signal', '')
    path = osp.join(_joined(dataset.get('data_root'), prefix),
                    records[0].path)
    try:
        shape = np.load(path, mmap_mode='r', allow_pickle=False).shape
    except (OSError, ValueError):
        return
    if len(shape) == 2 and shape[0] != in_channels:
        errors.append(
            f'model.backbone.in_channels={in_channels}, but {path} (first '
            f'record of {ann_file}) has {shape[0]} channels (shape {shape}): '
            f'set model.backbone.in_channels={shape[0]}.')


def _save_best_warnings(cfg: Config, num_classes: Optional[int]) -> List[str]:
    """Why ``save_best`` would pick a noisy "best" epoch, if it would.

    Args:
        cfg (Config): The merged config.
        num_classes (int, optional): The head's classes (a class absent
            from validation counts as its rarest, with 0 records).

    Returns:
        list[str]: One message per small validation annotation file.
    """
    hook = (cfg.get('default_hooks') or {}).get('checkpoint') or {}
    save_best = hook.get('save_best')
    if not save_best or not cfg.get('val_cfg') or \
            not cfg.get('val_dataloader'):
        return []
    messages = []
    for dataset in _dataset_leaves(cfg.val_dataloader.get('dataset')):
        ann_file, records = _local_records(dataset)
        if not records:
            continue
        counts = Counter(r.label for r in records)
        classes = range(num_classes) if num_classes else sorted(counts)
        rarest = min(classes, key=lambda k: (counts.get(k, 0), k))
        fewest = counts.get(rarest, 0)
        if len(records) >= MIN_VAL_RECORDS and fewest >= MIN_VAL_PER_CLASS:
            continue
        messages.append(
            f'default_hooks.checkpoint.save_best={save_best!r} picks the '
            f'"best" epoch on {ann_file} (val_dataloader), which has '
            f'{len(records)} records and {fewest} of its rarest class '
            f'(label {rarest}); with fewer than {MIN_VAL_RECORDS} records or '
            f'{MIN_VAL_PER_CLASS} of a class the ranking of epochs is mostly '
            'noise (a real run kept epoch 1, an untrained model). Keep the '
            'last checkpoint instead (default_hooks.checkpoint.save_best='
            'None, as the UCR configs under configs/nl1d/ucr/ do), or '
            'validate on a larger split; rule=\'greater_or_equal\' (or '
            '\'less_or_equal\') at least makes ties keep the later epoch.')
    return messages


def _check_schedule(cfg: Config, errors: List[str]) -> None:
    """A parameter scheduler that begins at or after the last epoch.

    mmengine fails on one deep in the Runner ("end should be larger than
    begin, but got begin=70, end=14": iterations, not the epochs a config
    states), e.g. a 2-epoch smoke run of a recipe that warms up for 10.
    """
    max_epochs = (cfg.get('train_cfg') or {}).get('max_epochs')
    if not isinstance(max_epochs, int):
        return
    schedulers = cfg.get('param_scheduler') or []
    if isinstance(schedulers, dict):
        schedulers = [schedulers]
    for i, scheduler in enumerate(schedulers):
        begin = scheduler.get('begin', 0)
        if scheduler.get('by_epoch', True) and begin >= max_epochs:
            errors.append(
                f'param_scheduler[{i}] ({scheduler.get("type")}) begins at '
                f'epoch {begin}, but train_cfg.max_epochs is {max_epochs}: '
                f'train for more than {begin} epochs, or move the '
                'schedule (e.g. --cfg-options param_scheduler.0.end=1 '
                'param_scheduler.1.begin=1 for a shorter warm-up).')


def check_config(cfg: Config, mode: str = 'train') -> List[str]:
    """Raise a :class:`ConfigError` if the model disagrees with the data;
    log a warning for choices that run but mislead.

    Args:
        cfg (Config): The merged config (after ``--cfg-options``).
        mode (str): ``'train'`` checks the train and (when validation runs)
            the val dataloader, ``'test'`` the test dataloader.
            Defaults to ``'train'``.

    Returns:
        list[str]: The warnings logged (``save_best`` on a small validation
        set, in ``'train'`` mode).

    Raises:
        ConfigError: Listing each problem, naming the key and the file.
    """
    if mode not in ('train', 'test'):
        raise ValueError(f"mode must be 'train' or 'test', got {mode!r}.")
    if mode == 'train':
        loaders = ['train_dataloader']
        if cfg.get('val_cfg') and cfg.get('val_dataloader'):
            loaders.append('val_dataloader')
    else:
        loaders = ['test_dataloader']
    model = cfg.get('model') or {}
    in_channels = (model.get('backbone') or {}).get('in_channels')
    num_classes = (model.get('cls_head') or {}).get('num_classes')
    errors: List[str] = []
    if mode == 'train' and cfg.get('compile'):
        errors.append(
            'compile: mmengine\'s Runner compiles model.train_step, which '
            'torch.compile cannot trace here (dynamo fails deep-copying the '
            'data samples\' metainfo, which holds numpy arrays); remove '
            '`compile` from the config and --cfg-options. Compiling the '
            'network alone gained under 10 % training samples/s on a CPU '
            '(tools/analysis/benchmark_dataloader.py --compile) and costs '
            'minutes of compilation in every process.')
    if mode == 'train':
        _check_schedule(cfg, errors)
    for loader in loaders:
        for dataset in _dataset_leaves((cfg.get(loader) or {}).get('dataset')):
            _check_dataset(dataset, loader, in_channels, num_classes, errors)
    if errors:
        raise ConfigError(
            f'{len(errors)} problem(s) in the config'
            f'{" " + cfg.filename if cfg.filename else ""}:\n  - ' +
            '\n  - '.join(errors))
    warnings = _save_best_warnings(cfg, num_classes) if mode == 'train' \
        else []
    for message in warnings:
        print_log(message, logger='current', level=logging.WARNING)
    return warnings


__all__ = ['ConfigError', 'check_config']
