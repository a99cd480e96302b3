# Copyright (c) nl1d contributors. All rights reserved.
"""Train a 1D recognizer: mmaction2 1.2.0's ``tools/train.py`` plus the
repairs nl1d needs (CPU/gloo distributed, a safe and robust ``--resume``,
fail-fast config checks, the environment in the log).

Examples:
    python tools/train.py configs/nl1d/nl_r50_res5_8xb32_signal.py \
        --seed 0 --deterministic
    bash tools/dist_train.sh configs/nl1d/nl_r50_res5_8xb32_signal.py 2
"""
import argparse
import os.path as osp

import nl1d  # registration; nl1d.setup_env() in main()
from mmengine.config import Config
from mmengine.logging import MMLogger
from mmengine.model import is_model_wrapper
from mmengine.runner import Runner
from mmaction.registry import RUNNERS
from nl1d.checkpoint import check_checkpoint_fits, find_resumable_checkpoint
from nl1d.engine import check_config, merge_train_args
from nl1d.runtime.cli import (add_cfg_options, add_launcher_args,
                              set_local_rank)
from nl1d.runtime.collect_env import collect_env
from nl1d.runtime.dist import exit_dist_worker, setup_dist


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Train a 1D recognizer')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='the dir to save logs and models')
    parser.add_argument(
        '--resume',
        nargs='?',
        type=str,
        const='auto',
        help='If specify checkpoint path, resume from it, while if not '
        'specify, try to auto resume from the latest complete checkpoint '
        'in the work directory.')
    parser.add_argument(
        '--amp',
        action='store_true',
        help='mixed precision: float16 on a GPU, bfloat16 on a CPU with '
        'AVX512-BF16 or AMX; float32 (with a warning) on other CPUs, where '
        'bfloat16 is emulated and about 10x slower')
    parser.add_argument(
        '--no-validate',
        action='store_true',
        help='whether not to evaluate the checkpoint during training')
    parser.add_argument(
        '--auto-scale-lr',
        action='store_true',
        help='whether to auto scale the learning rate according to the '
        'actual batch size (summed over processes) and the original batch '
        'size.')
    parser.add_argument('--seed', type=int, default=None, help='random seed')
    parser.add_argument(
        '--diff-rank-seed',
        action='store_true',
        help='whether or not set different seeds for different ranks')
    parser.add_argument(
        '--deterministic',
        action='store_true',
        help='whether to use deterministic algorithms (bit-identical runs '
        'and resumes with the same --seed).')
    add_cfg_options(parser)
    add_launcher_args(parser)
    return set_local_rank(parser.parse_args())


def main() -> None:
    # data-only checkpoint loading, quiet start-up (nl1d/runtime/setup_env.py)
    nl1d.setup_env()
    args = parse_args()

    cfg = Config.fromfile(args.config)
    cfg = merge_train_args(cfg, args)
    # fail before anything is built: unknown types, misspelled arguments,
    # missing annotation files, in_channels that disagree with the data
    check_config(cfg)
    # gloo without a GPU (nccl with one); CPU-friendly DDP wrapper
    setup_dist(cfg)

    if cfg.get('resume') and cfg.get('load_from') is None:
        cfg.load_from = find_resumable_checkpoint(cfg.work_dir)
        if cfg.load_from is None:
            cfg.resume = False  # nothing to resume: start from scratch

    # build the runner from config
    if 'runner_type' not in cfg:
        runner = Runner.from_cfg(cfg)
    else:
        runner = RUNNERS.build(cfg)

    logger = MMLogger.get_current_instance()
    logger.info('nl1d environment:\n' + '\n'.join(
        f'    {key}: {value}' for key, value in collect_env().items()))
    if cfg.get('resume') and cfg.get('load_from') and osp.isfile(
            cfg.load_from):
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        check_checkpoint_fits(model, cfg.load_from)
        logger.info(f'Resuming from {cfg.load_from}')

    # start training
    runner.train()
    exit_dist_worker()


if __name__ == '__main__':
    main()
