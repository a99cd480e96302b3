# Copyright (c) nl1d contributors. All rights reserved.
"""Parameters and FLOPs of a config's model for one window of ``L`` samples,
counting the non-local matmuls: the command line of
:func:`nl1d.analysis.flops.report_flops` (how the attention is counted is
documented in :mod:`nl1d.analysis.flops`).

Example::

    python tools/analysis/get_flops.py \\
        configs/nl1d/nl_r50_res5_8xb32_signal.py --length 2000
"""
import argparse
from typing import Dict

from nl1d.analysis.flops import report_flops
from nl1d.runtime.cli import add_cfg_options


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Parameters and FLOPs of an nl1d config')
    parser.add_argument('config', help='config file')
    parser.add_argument('--length', type=int, default=2000,
                        help='window length L in samples (default: 2000)')
    parser.add_argument('--in-channels', type=int, default=None,
                        help='signal channels (default: the backbone\'s)')
    parser.add_argument(
        '--executed', action='store_true',
        help='count the attention as nl1d executes it (linear dot product, '
        'sorted concatenation) instead of the non-local formula')
    add_cfg_options(parser)
    return parser.parse_args(argv)



def main(argv=None) -> Dict:
    args = parse_args(argv)
    return report_flops(args.config, args.length, args.in_channels,
                        args.executed, args.cfg_options)


if __name__ == '__main__':
    main()
