# Copyright (c) nl1d contributors. All rights reserved.
"""Draw where the non-local blocks look: the waveform of one window and,
over it, the attention of chosen query positions, for the neck and for the
blocks inside the backbone: the command line of
:func:`nl1d.analysis.attention.visualize`.

Example:
    python tools/analysis/visualize_nonlocal.py \
        configs/nl1d/nl_r50_res5_8xb32_signal.py CKPT signal.npy \
        --queries 0.25 0.5 0.75 --out attention.png
"""
import argparse

import matplotlib

matplotlib.use('Agg')
import nl1d  # noqa: E402  # registration; nl1d.setup_env() in main()
from nl1d.analysis.attention import visualize  # noqa: E402
from nl1d.runtime.cli import add_cfg_options  # noqa: E402


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Plot non-local attention over a signal window')
    parser.add_argument('config', help='config file')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('signal', help='.npy record (channels, samples)')
    parser.add_argument('--out', required=True, help='output PNG')
    parser.add_argument(
        '--queries', type=float, nargs='+', default=[0.25, 0.5, 0.75],
        help='query positions as fractions of the window')
    parser.add_argument('--query-samples', type=int, nargs='+',
                        help='query positions as sample indices in the '
                        'window (instead of --queries)')
    parser.add_argument('--blocks', nargs='+',
                        help='module names of the non-local blocks to draw '
                        '(default: all, e.g. neck backbone.layer4.0.'
                        'non_local_block)')
    parser.add_argument('--start', type=int, default=0,
                        help='first sample of the window in the record')
    parser.add_argument('--clip-len', type=int,
                        help='window length (default: the test pipeline\'s '
                        'clip_len, or the whole record)')
    parser.add_argument('--channel', type=int, default=0,
                        help='channel drawn as the waveform')
    parser.add_argument('--device', default='cpu')
    add_cfg_options(parser, default={})
    return parser.parse_args()



def main() -> None:
    nl1d.setup_env()
    args = parse_args()
    visualize(args.config, args.checkpoint, args.signal, args.out,
              args.queries, args.query_samples, args.blocks, args.start,
              args.clip_len, args.channel, args.device, args.cfg_options)


if __name__ == '__main__':
    main()
