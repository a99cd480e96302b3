# Copyright (c) nl1d contributors. All rights reserved.
"""Write the config the quick start trains: a config of configs/nl1d/ plus
:class:`~nl1d.engine.hooks.ProgressBarHook`, which tells each training and
test on stderr in one line per epoch, while the Runner's full log goes to
the work dir (:func:`nl1d.engine.run_config.progress_config_text`).

Example:
    python tools/quickstart_config.py \
        configs/nl1d/nl_r18_res5_8xb32_signal.py \
        work_dirs/quickstart/configs/nl_r18_res5_8xb32_signal.py --epochs 8
"""
import argparse
import os
import os.path as osp

from nl1d.engine.run_config import progress_config_text


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='The quick start\'s config: CONFIG + ProgressBarHook')
    parser.add_argument('config', help='a config, e.g. of configs/nl1d/')
    parser.add_argument('out', help='the config file to write')
    parser.add_argument('--epochs', type=int, default=None,
                        help='shorten the schedule to this many epochs')
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    text = progress_config_text(args.config, args.epochs)
    os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
    with open(args.out, 'w') as f:
        f.write(text)


if __name__ == '__main__':
    main()
