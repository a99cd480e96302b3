# Copyright (c) nl1d contributors. All rights reserved.
"""Test (and evaluate) a 1D recognizer: mmaction2 1.2.0's ``tools/test.py``
for signals, loading the checkpoint weights-only and refusing one that does
not fit the model.

Examples:
    python tools/test.py configs/nl1d/nl_r50_res5_8xb32_signal.py \
        work_dirs/nl_r50_res5_8xb32_signal/best_auc_auroc_epoch_7.pth \
        --dump result.json
    bash tools/dist_test.sh CONFIG CHECKPOINT 2 --dump result.json

``--dump result.json`` writes plain data, safe to share; ``--dump
result.pkl`` writes mmengine's pickle, as mmaction2 does (nl1d's tools read
it only through a restricted unpickler, see ``nl1d/evaluation/results/``).
"""
import argparse
import os.path as osp

import nl1d  # registration; nl1d.setup_env() in main()
from mmengine.config import Config
from mmengine.model import is_model_wrapper
from mmengine.runner import Runner
from mmaction.registry import RUNNERS
from nl1d.checkpoint import check_checkpoint_fits
from nl1d.engine import check_config, merge_test_args
from nl1d.runtime.cli import (add_cfg_options, add_launcher_args,
                              set_local_rank)
from nl1d.runtime.dist import exit_dist_worker, setup_dist


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='nl1d test (and eval) a model')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument(
        '--work-dir',
        help='the directory to save the file containing evaluation metrics')
    parser.add_argument(
        '--dump',
        type=str,
        help='dump predictions for offline evaluation: result.json (plain '
        'data, safe to share) or result.pkl (mmengine\'s pickle)')
    add_cfg_options(parser)
    add_launcher_args(parser)
    return set_local_rank(parser.parse_args())


def main() -> None:
    # data-only checkpoint loading, quiet start-up (nl1d/runtime/setup_env.py)
    nl1d.setup_env()
    args = parse_args()

    # load config
    cfg = Config.fromfile(args.config)
    cfg = merge_test_args(cfg, args)
    check_config(cfg, mode='test')
    setup_dist(cfg)

    # build the runner from config
    if 'runner_type' not in cfg:
        runner = Runner.from_cfg(cfg)
    else:
        runner = RUNNERS.build(cfg)

    if osp.isfile(args.checkpoint):
        # weights-only; a checkpoint of another architecture stops here with
        # the list of mismatched keys instead of testing random weights
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        check_checkpoint_fits(model, args.checkpoint)

    # start testing
    runner.test()
    exit_dist_worker()


if __name__ == '__main__':
    main()
