# Copyright (c) nl1d contributors. All rights reserved.
"""The command-line pieces the tools share (nl1d/runtime/cli.py)."""
import argparse
import os

import pytest

from nl1d.runtime.cli import (add_cfg_options, add_launcher_args,
                              load_config, set_local_rank)


def _parser(**cfg_options) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser()
    add_cfg_options(parser, **cfg_options)
    add_launcher_args(parser)
    return parser


def test_defaults_as_mmaction2():
    args = _parser().parse_args([])
    assert args.cfg_options is None
    assert args.launcher == 'none'
    assert args.local_rank == 0
    assert _parser(default={}).parse_args([]).cfg_options == {}


def test_cfg_options_and_launcher_parse():
    args = _parser().parse_args([
        '--cfg-options', 'a.b=1', 'c=[1,2]', '--launcher', 'pytorch',
        '--local-rank', '3'
    ])
    assert args.cfg_options == {'a.b': 1, 'c': [1, 2]}
    assert (args.launcher, args.local_rank) == ('pytorch', 3)
    assert _parser().parse_args(['--local_rank', '2']).local_rank == 2
    with pytest.raises(SystemExit):
        _parser().parse_args(['--launcher', 'ssh'])


def test_set_local_rank_keeps_the_launcher_value(monkeypatch):
    # setenv first: monkeypatch then restores the variable's absence too
    monkeypatch.setenv('LOCAL_RANK', '0')
    monkeypatch.delenv('LOCAL_RANK')
    set_local_rank(argparse.Namespace(local_rank=1))
    assert os.environ['LOCAL_RANK'] == '1'
    set_local_rank(argparse.Namespace(local_rank=5))  # torchrun set it first
    assert os.environ['LOCAL_RANK'] == '1'


def test_load_config_merges_cfg_options(tmp_path):
    path = tmp_path / 'cfg.py'
    path.write_text('model = dict(depth=18, width=64)\n')
    assert load_config(str(path)).model == dict(depth=18, width=64)
    assert load_config(str(path), {}).model.depth == 18
    cfg = load_config(str(path), {'model.depth': 50})
    assert cfg.model == dict(depth=50, width=64)
