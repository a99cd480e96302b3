# Copyright (c) nl1d contributors. All rights reserved.
"""Fail-fast validation of a merged config, before anything is built.

mmengine builds lazily: a misspelled ``type`` in the val pipeline or a missing
annotation file surfaces minutes into a run, sometimes after the first epoch.
:func:`check_config` looks at the whole config up front and raises a
:class:`ConfigError` naming the config key (``model.backbone.in_chanels``) or
the file, with a suggestion when a close match exists.

Checked:

* every ``type`` resolves in its registry (mmaction's scope, then mmengine's);
* every argument of a registered class is one its ``__init__`` accepts
  (following ``**kwargs`` into ``super().__init__`` the way mmengine's and
  mmaction's classes forward them; classes whose ``**kwargs`` go elsewhere are
  not checked);
* annotation files (and the signal folder) of the dataloaders that will run
  exist;
* ``model.backbone.in_channels`` equals the channel count of the first record
  of the first dataset, and labels lie below ``model.cls_head.num_classes``.
"""
import difflib
import inspect
import os.path as osp
import re
from typing import Any, Dict, List, Optional, Set

import numpy as np
from mmengine.config import Config
from mmengine.registry import Registry

#: Arguments whose dicts are built by another registry than their parent's.
_SUB_REGISTRIES = {
    'init_cfg': 'WEIGHT_INITIALIZERS',
    'sampler': 'DATA_SAMPLERS',
    'batch_sampler': 'DATA_SAMPLERS',
    'pipeline': 'TRANSFORMS',
    'optimizer': 'OPTIMIZERS',
    'vis_backends': 'VISBACKENDS',
}

#: Arguments whose dicts are consumed by builder functions that pop extra
#: keys (``build_norm_layer`` pops ``requires_grad``...): type-checked only.
_TYPE_ONLY = {'norm_cfg', 'conv_cfg', 'act_cfg', 'plugins', 'init_cfg'}

#: Keys mmengine consumes itself before building, per registry.
_CONSUMED = {
    'OPTIM_WRAPPERS': {'constructor', 'paramwise_cfg'},
    'PARAM_SCHEDULERS': {'convert_to_iter_based'},
}

#: Top-level config keys and the registry that builds them.
_TOP_LEVEL = {
    'model': 'MODELS',
    'train_dataloader.dataset': 'DATASETS',
    'val_dataloader.dataset': 'DATASETS',
    'test_dataloader.dataset': 'DATASETS',
    'train_dataloader.sampler': 'DATA_SAMPLERS',
    'val_dataloader.sampler': 'DATA_SAMPLERS',
    'test_dataloader.sampler': 'DATA_SAMPLERS',
    'val_evaluator': 'METRICS',
    'test_evaluator': 'METRICS',
    'optim_wrapper': 'OPTIM_WRAPPERS',
    'param_scheduler': 'PARAM_SCHEDULERS',
    'default_hooks': 'HOOKS',
    'custom_hooks': 'HOOKS',
    'visualizer': 'VISUALIZERS',
    'log_processor': 'LOG_PROCESSORS',
    'train_cfg': 'LOOPS',
    'val_cfg': 'LOOPS',
    'test_cfg': 'LOOPS',
    'model_wrapper_cfg': 'MODEL_WRAPPERS',
}


class ConfigError(ValueError):
    """A config that would fail once the run has started."""


def _registry(name: str) -> Registry:
    import mmaction.registry as mmaction_registries
    import mmengine.registry as mmengine_registries
    registry = getattr(mmaction_registries, name, None)
    if registry is None:  # (a Registry's truth value is its length)
        registry = getattr(mmengine_registries, name)
    return registry


def _registered_names(registry: Registry) -> List[str]:
    names: Set[str] = set()
    while registry is not None:
        names.update(registry.module_dict)
        registry = registry.parent
    return sorted(names)


def _suggest(name: str, candidates: List[str]) -> str:
    close = difflib.get_close_matches(name, candidates, n=3, cutoff=0.6)
    return f' Did you mean {" or ".join(map(repr, close))}?' if close else ''


def _forwards_kwargs(klass: type) -> bool:
    """Whether ``klass.__init__`` passes ``**kwargs`` to ``super().__init__``.
    """
    try:
        source = inspect.getsource(klass.__init__)
    except (OSError, TypeError):
        return False
    return re.search(r'super\([^)]*\)\.__init__\([^)]*\*\*kwargs',
                     source, re.S) is not None


def accepted_arguments(obj: Any) -> Optional[Set[str]]:
    """The keyword arguments ``obj(...)`` accepts, if they can be known.

    Args:
        obj (type | callable): A registered class or function.

    Returns:
        set[str] | None: The accepted names, or None when ``obj`` takes
        ``**kwargs`` that cannot be followed (anything goes).
    """
    if not inspect.isclass(obj):
        try:
            params = inspect.signature(obj).parameters.values()
        except (TypeError, ValueError):
            return None
        if any(p.kind is p.VAR_KEYWORD for p in params):
            return None
        return {p.name for p in params}
    accepted: Set[str] = set()
    for klass in obj.__mro__:
        if klass is object:
            return None
        if '__init__' not in vars(klass):
            continue
        try:
            params = inspect.signature(klass.__init__).parameters.values()
        except (TypeError, ValueError):
            return None
        accepted |= {
            p.name
            for p in params
            if p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)
        }
        if not any(p.kind is p.VAR_KEYWORD for p in params):
            return accepted - {'self'}
        if not _forwards_kwargs(klass):
            return None
    return None


def _check_node(node: Any,
                key: str,
                registry_name: str,
                errors: List[str],
                check_args: bool = True) -> None:
    """Check ``node`` (a dict with ``type``, or a list of them) and every
    dict below it."""
    if isinstance(node, (list, tuple)):
        for i, item in enumerate(node):
            _check_node(item, f'{key}[{i}]', registry_name, errors,
                        check_args)
        return
    if not isinstance(node, dict):
        return
    obj_type = node.get('type')
    if isinstance(obj_type, str):
        registry = _registry(registry_name)
        try:
            obj = registry.get(obj_type)
        except KeyError:
            obj = None
        if obj is None:
            errors.append(
                f'{key}.type: {obj_type!r} is not registered in '
                f'{registry.scope}::{registry.name}.'
                f'{_suggest(obj_type, _registered_names(registry))} If it '
                'is your own module, make sure the module that registers it '
                'is imported (custom_imports).')
        else:
            accepted = accepted_arguments(obj) if check_args else None
            if accepted is not None:
                accepted |= _CONSUMED.get(registry_name, set()) | {'_scope_'}
                for arg in node:
                    if arg != 'type' and arg not in accepted:
                        errors.append(
                            f'{key}.{arg}: {obj_type} takes no argument '
                            f'{arg!r}.{_suggest(arg, sorted(accepted))}')
    elif obj_type is not None and not callable(obj_type):
        errors.append(f'{key}.type must be a registered name or a class, '
                      f'got {obj_type!r}.')
    for arg, value in node.items():
        if arg == 'type':
            continue
        sub = _SUB_REGISTRIES.get(arg, registry_name)
        if arg == 'dataset' or arg == 'datasets':
            sub = 'DATASETS'
        _check_node(value, f'{key}.{arg}', sub, errors, check_args
                    and arg not in _TYPE_ONLY)


def _get(cfg: Config, dotted: str) -> Any:
    node: Any = cfg._cfg_dict if isinstance(cfg, Config) else cfg
    for part in dotted.split('.'):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def _datasets(node: Any) -> List[Dict]:
    """Leaf dataset configs below a (possibly wrapped) dataset config."""
    if isinstance(node, (list, tuple)):
        return [d for item in node for d in _datasets(item)]
    if not isinstance(node, dict):
        return []
    if 'dataset' in node or 'datasets' in node:
        return _datasets(node.get('dataset', node.get('datasets')))
    return [node]


def _ann_path(dataset: Dict) -> Optional[str]:
    ann_file = dataset.get('ann_file')
    if not ann_file:
        return None
    data_root = dataset.get('data_root')
    if data_root and not osp.isabs(ann_file) and '://' not in ann_file:
        return osp.join(data_root, ann_file)
    return ann_file


def _check_data(cfg: Config, loaders: List[str], errors: List[str]) -> None:
    """Annotation files exist; in_channels / num_classes fit the data."""
    backbone = _get(cfg, 'model.backbone') or {}
    head = _get(cfg, 'model.cls_head') or {}
    in_channels = backbone.get('in_channels')
    num_classes = head.get('num_classes')
    for loader in loaders:
        for dataset in _datasets(_get(cfg, f'{loader}.dataset')):
            ann_file = _ann_path(dataset)
            if ann_file is None or '://' in ann_file:
                continue
            if not osp.isfile(ann_file):
                errors.append(
                    f'{loader}.dataset.ann_file: {ann_file!r} does not '
                    'exist. Prepare the dataset (tools/data/) or point '
                    'ann_file / data_root at it.')
                continue
            prefix = (dataset.get('data_prefix') or {}).get('signal', '')
            if dataset.get('data_root') and not osp.isabs(prefix):
                prefix = osp.join(dataset['data_root'], prefix)
            _check_records(ann_file, prefix, loader, in_channels,
                           num_classes, errors)


def _check_records(ann_file: str, prefix: str, loader: str,
                   in_channels: Optional[int], num_classes: Optional[int],
                   errors: List[str]) -> None:
    with open(ann_file) as f:
        records = [line.split() for line in f if line.strip()]
    if num_classes is not None:
        labels = [int(r[2]) for r in records
                  if len(r) >= 3 and re.fullmatch(r'-?\d+', r[2])]
        bad = sorted({label for label in labels
                      if not 0 <= label < num_classes})
        if bad:
            errors.append(
                f'model.cls_head.num_classes={num_classes}, but {ann_file} '
                f'({loader}) has labels {bad[:10]}; set num_classes to the '
                'number of classes in the data.')
    if in_channels is None or not records:
        return
    path = osp.join(prefix, records[0][0])
    if not path.endswith('.npy') or not osp.isfile(path):
        return  # the dataset's own checks report unreadable files
    try:
        shape = np.load(path, mmap_mode='r').shape
    except (OSError, ValueError):
        return
    if len(shape) == 2 and shape[0] != in_channels:
        errors.append(
            f'model.backbone.in_channels={in_channels}, but {path} (first '
            f'record of {ann_file}) has {shape[0]} channels (shape {shape}); '
            f'set model.backbone.in_channels={shape[0]}.')


def check_config(cfg: Config, mode: str = 'train') -> None:
    """Raise a :class:`ConfigError` listing every problem found in ``cfg``.

    Args:
        cfg (Config): The merged config (after ``--cfg-options``).
        mode (str): ``'train'`` checks the train and (unless disabled) the
            val dataloader; ``'test'`` the test dataloader and that
            ``load_from`` exists. Defaults to ``'train'``.

    Raises:
        ConfigError: Listing each problem, naming the key or file.
    """
    if mode not in ('train', 'test'):
        raise ValueError(f'mode must be "train" or "test", got {mode!r}')
    import nl1d  # noqa: F401  # registers nl1d's modules
    from mmengine.registry import init_default_scope
    init_default_scope(cfg.get('default_scope', 'mmaction'))
    errors: List[str] = []
    for key, registry_name in _TOP_LEVEL.items():
        node = _get(cfg, key)
        if key in ('default_hooks', ) and isinstance(node, dict):
            for name, hook in node.items():
                _check_node(hook, f'{key}.{name}', registry_name, errors)
        elif node is not None:
            _check_node(node, key, registry_name, errors)
    if mode == 'train':
        loaders = ['train_dataloader']
        if cfg.get('val_cfg') and cfg.get('val_dataloader'):
            loaders.append('val_dataloader')
    else:
        loaders = ['test_dataloader']
        load_from = cfg.get('load_from')
        if load_from and '://' not in load_from and not osp.isfile(
                load_from):
            errors.append(f'checkpoint: {load_from!r} does not exist.')
    _check_data(cfg, loaders, errors)
    if errors:
        raise ConfigError(
            f'{len(errors)} problem(s) in the config'
            f'{" " + cfg.filename if cfg.filename else ""}:\n  - ' +
            '\n  - '.join(errors))


__all__ = ['ConfigError', 'check_config', 'accepted_arguments']
