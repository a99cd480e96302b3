# Copyright (c) nl1d contributors. All rights reserved.
"""The config a run is built from: a config file merged with the command
line of ``tools/train.py`` / ``tools/test.py`` (mmaction2's arguments), and
the quick start's config (``tools/quickstart_config.py``): a config plus
:class:`~nl1d.engine.hooks.ProgressBarHook`, its schedule optionally
shortened."""
import argparse
import copy
import os.path as osp
from typing import Dict, List, Optional

from mmengine.config import Config

from nl1d.evaluation.results import check_result_path
from .optimizers import set_mixed_precision


def _set_work_dir(cfg: Config, args: argparse.Namespace) -> None:
    """``--work-dir`` > ``work_dir`` of the file > ``./work_dirs/<name>``.
    """
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])


def merge_train_args(cfg: Config, args: argparse.Namespace) -> Config:
    """Merge ``tools/train.py``'s arguments into ``cfg``.

    Args:
        cfg (Config): The config file's content.
        args (argparse.Namespace): ``config``, ``work_dir``, ``resume``
            (None, ``'auto'`` or a path), ``amp``, ``no_validate``,
            ``auto_scale_lr``, ``seed``, ``diff_rank_seed``,
            ``deterministic``, ``cfg_options`` and ``launcher``.

    Returns:
        Config: ``cfg``, merged. ``--cfg-options`` are applied before
        ``--amp``, which picks the mixed-precision wrapper for the optimizer
        wrapper they leave (:func:`~nl1d.engine.optimizers.
        set_mixed_precision`).
    """
    if args.no_validate:
        cfg.val_cfg = None
        cfg.val_dataloader = None
        cfg.val_evaluator = None
    cfg.launcher = args.launcher
    _set_work_dir(cfg, args)
    # resume training: 'auto' is resolved to a complete checkpoint by the
    # tool (nl1d.checkpoint.find_resumable_checkpoint)
    if args.resume == 'auto':
        cfg.resume = True
        cfg.load_from = None
    elif args.resume is not None:
        cfg.resume = True
        cfg.load_from = args.resume
    if args.auto_scale_lr:
        if cfg.get('auto_scale_lr') is None:
            raise KeyError(
                f'--auto-scale-lr: {args.config} has no `auto_scale_lr`; add '
                '`auto_scale_lr = dict(enable=False, base_batch_size=GPUS * '
                'BATCH)` (the total batch size the lr was tuned for).')
        cfg.auto_scale_lr.enable = True
    if cfg.get('randomness', None) is None:
        cfg.randomness = dict(
            seed=args.seed,
            diff_rank_seed=args.diff_rank_seed,
            deterministic=args.deterministic)
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    # mixed precision, on the config as --cfg-options left it: float16 with
    # loss scaling on a GPU (mmengine's AmpOptimWrapper), bfloat16 on a CPU
    # with native bfloat16 (mmengine's refuses to start without a GPU),
    # float32 with a warning on a CPU that would emulate bfloat16
    if args.amp is True:
        set_mixed_precision(cfg.optim_wrapper)
    return cfg


def merge_test_args(cfg: Config, args: argparse.Namespace) -> Config:
    """Merge ``tools/test.py``'s arguments into ``cfg``.

    Args:
        cfg (Config): The config file's content.
        args (argparse.Namespace): ``config``, ``checkpoint``, ``work_dir``,
            ``dump`` (a ``.json``, ``.pkl`` or ``.pickle`` path: adds
            :class:`~nl1d.evaluation.DumpResults` to the test evaluator),
            ``cfg_options`` and ``launcher``.

    Returns:
        Config: ``cfg``, merged, with ``load_from`` the checkpoint.
    """
    if args.dump is not None:
        check_result_path(args.dump, '--dump')
        dump_metric = dict(type='DumpResults', out_file_path=args.dump)
        if isinstance(cfg.test_evaluator, (list, tuple)):
            cfg.test_evaluator = list(cfg.test_evaluator)
            cfg.test_evaluator.append(dump_metric)
        else:
            cfg.test_evaluator = [cfg.test_evaluator, dump_metric]
    cfg.launcher = args.launcher
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    _set_work_dir(cfg, args)
    cfg.load_from = args.checkpoint
    return cfg


#: The hook the quick start adds, and the module that registers it.
PROGRESS_HOOK = dict(type='ProgressBarHook', indent=6)
PROGRESS_HOOK_MODULE = 'nl1d'


def shorten_schedule(schedulers: List[Dict], old: int,
                     new: int) -> List[Dict]:
    """Parameter schedulers of an ``old``-epoch schedule, fitted to ``new``
    epochs.

    Each scheduler that runs to the last epoch now ends at ``new`` (cosine
    ``T_max`` follows; step ``milestones`` keep their relative places); a
    warm-up that ends earlier keeps its length; one that would begin at or
    after ``new`` is dropped.

    Args:
        schedulers (list[dict]): ``param_scheduler`` configs (by epoch).
        old (int): The config's ``max_epochs``.
        new (int): The epochs wanted.

    Returns:
        list[dict]: The new configs.
    """
    fitted = []
    for scheduler in copy.deepcopy(schedulers):
        begin = scheduler.get('begin', 0)
        if scheduler.get('end', old) >= old:
            scheduler['end'] = new
        if 'T_max' in scheduler:
            scheduler['T_max'] = scheduler['end'] - begin
        if 'milestones' in scheduler:  # those left inside (begin, new)
            scheduler['milestones'] = sorted({
                round(m * new / old)
                for m in scheduler['milestones']
            } & set(range(begin + 1, new)))
        if begin >= new:
            continue  # starts after the shortened schedule
        fitted.append(scheduler)
    return fitted


def progress_config_text(config: str, epochs: Optional[int] = None) -> str:
    """The text of a config that inherits ``config`` (``_base_``) and adds
    only :data:`PROGRESS_HOOK` (after the config's own ``custom_hooks``)
    and the module that registers it; with ``epochs``, the schedule is
    shortened to that many epochs (:func:`shorten_schedule`).

    Args:
        config (str): A config file, e.g. of ``configs/nl1d/``.
        epochs (int, optional): Epochs to shorten the schedule to.
            Defaults to None (the config's schedule).

    Returns:
        str: The config file's text.
    """
    cfg = Config.fromfile(config)
    imports = dict(cfg.get('custom_imports') or {})
    modules = list(imports.get('imports', []))
    if PROGRESS_HOOK_MODULE not in modules:
        modules.append(PROGRESS_HOOK_MODULE)
    hooks = [dict(h) for h in cfg.get('custom_hooks', [])]
    hooks = [h for h in hooks if h.get('type') != PROGRESS_HOOK['type']
             ] + [PROGRESS_HOOK]
    lines = [
        f'# {config} + ProgressBarHook (tools/quickstart.sh)',
        f'_base_ = [{osp.abspath(config)!r}]',
        f'custom_imports = dict(imports={modules!r}, '
        'allow_failed_imports=False)', f'custom_hooks = {hooks!r}'
    ]
    if epochs:
        old = cfg.train_cfg.max_epochs
        schedulers = [dict(s) for s in cfg.get('param_scheduler') or []]
        lines += [
            f'# the schedule shortened from {old} to {epochs} epochs',
            f'train_cfg = dict(max_epochs={epochs})',
            f'param_scheduler = {shorten_schedule(schedulers, old, epochs)!r}'
        ]
    return '\n'.join(lines) + '\n'
