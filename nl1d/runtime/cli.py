# Copyright (c) nl1d contributors. All rights reserved.
"""Command-line pieces every nl1d tool shares: ``--cfg-options`` (and the
config it overrides), and mmaction2's ``--launcher`` / ``--local-rank``.

Examples:
    >>> parser = argparse.ArgumentParser()
    >>> add_cfg_options(parser)
    >>> add_launcher_args(parser)
    >>> args = set_local_rank(parser.parse_args([]))
    >>> args.launcher, args.local_rank, args.cfg_options
    ('none', 0, None)
"""
import argparse
import os
from typing import Optional

from mmengine.config import Config, DictAction

from .dist import _LAUNCHERS

#: mmaction2's help of ``--cfg-options``.
CFG_OPTIONS_HELP = (
    'override some settings in the used config, the key-value pair in '
    'xxx=yyy format will be merged into config file. If the value to be '
    'overwritten is a list, it should be like key="[a,b]" or key=a,b It also '
    'allows nested list/tuple values, e.g. key="[(a,b),(c,d)]" Note that the '
    'quotation marks are necessary and that no white space is allowed.')


def add_cfg_options(parser: argparse.ArgumentParser,
                    default: Optional[dict] = None,
                    help: str = CFG_OPTIONS_HELP) -> None:
    """Add ``--cfg-options key=value ...`` (mmengine's ``DictAction``).

    Args:
        parser (argparse.ArgumentParser): The tool's parser.
        default (dict, optional): The value without the flag. Defaults to
            None.
        help (str): The help text. Defaults to mmaction2's.
    """
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        default=default,
        help=help)


def add_launcher_args(parser: argparse.ArgumentParser) -> None:
    """Add mmaction2's ``--launcher`` and ``--local_rank``/``--local-rank``.

    Args:
        parser (argparse.ArgumentParser): The tool's parser.
    """
    parser.add_argument(
        '--launcher',
        choices=list(_LAUNCHERS),
        default='none',
        help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)


def set_local_rank(args: argparse.Namespace) -> argparse.Namespace:
    """Export ``--local-rank`` as ``LOCAL_RANK`` unless the launcher (e.g.
    ``torchrun``) has set it already.

    Args:
        args (argparse.Namespace): Arguments holding ``local_rank``.

    Returns:
        argparse.Namespace: ``args``, unchanged.
    """
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def load_config(path: str, cfg_options: Optional[dict] = None) -> Config:
    """Read a config and merge ``--cfg-options`` into it.

    Args:
        path (str): The config file.
        cfg_options (dict, optional): ``--cfg-options`` overrides. Defaults
            to None (none).

    Returns:
        Config: The merged config.
    """
    cfg = Config.fromfile(path)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    return cfg
