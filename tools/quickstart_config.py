# Copyright (c) nl1d contributors. All rights reserved.
"""Write the config the quick start trains: a config of configs/nl1d/ plus
:class:`~nl1d.engine.hooks.ProgressBarHook`, which tells each training and
test on stderr in one line per epoch, while the Runner's full log goes to
the work dir.

The written config inherits the given one (``_base_``) and adds only the
hook (after the config's own ``custom_hooks``) and the module that
registers it; everything else, the recipe included, is the config's.
``--epochs N`` shortens the schedule to N epochs: ``max_epochs``, and each
parameter scheduler that runs to the last epoch now ends at N (cosine
``T_max`` follows; step ``milestones`` keep their relative places); a
warm-up that ends earlier keeps its length.

Example:
    python tools/quickstart_config.py \
        configs/nl1d/nl_r18_res5_8xb32_signal.py \
        work_dirs/quickstart/configs/nl_r18_res5_8xb32_signal.py --epochs 8
"""
import argparse
import copy
import os
import os.path as osp
from typing import Dict, List

from mmengine.config import Config

#: The hook and the module that registers it.
HOOK = dict(type='ProgressBarHook', indent=6)
HOOK_MODULE = 'nl1d'


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='The quick start\'s config: CONFIG + ProgressBarHook')
    parser.add_argument('config', help='a config, e.g. of configs/nl1d/')
    parser.add_argument('out', help='the config file to write')
    parser.add_argument('--epochs', type=int, default=None,
                        help='shorten the schedule to this many epochs')
    return parser.parse_args()


def shorten_schedule(schedulers: List[Dict], old: int,
                     new: int) -> List[Dict]:
    """Parameter schedulers of an ``old``-epoch schedule, fitted to ``new``
    epochs (see the module docstring).

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


def main() -> None:
    args = parse_args()
    cfg = Config.fromfile(args.config)
    imports = dict(cfg.get('custom_imports') or {})
    modules = list(imports.get('imports', []))
    if HOOK_MODULE not in modules:
        modules.append(HOOK_MODULE)
    hooks = [dict(h) for h in cfg.get('custom_hooks', [])]
    hooks = [h for h in hooks if h.get('type') != HOOK['type']] + [HOOK]
    lines = [
        f'# {args.config} + ProgressBarHook (tools/quickstart.sh)',
        f'_base_ = [{osp.abspath(args.config)!r}]',
        f'custom_imports = dict(imports={modules!r}, '
        'allow_failed_imports=False)', f'custom_hooks = {hooks!r}'
    ]
    if args.epochs:
        old = cfg.train_cfg.max_epochs
        schedulers = [dict(s) for s in cfg.get('param_scheduler') or []]
        lines += [
            f'# the schedule shortened from {old} to {args.epochs} epochs',
            f'train_cfg = dict(max_epochs={args.epochs})',
            f'param_scheduler = '
            f'{shorten_schedule(schedulers, old, args.epochs)!r}'
        ]
    os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
    with open(args.out, 'w') as f:
        f.write('\n'.join(lines) + '\n')


if __name__ == '__main__':
    main()
