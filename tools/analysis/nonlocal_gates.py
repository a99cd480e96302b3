# Copyright (c) nl1d contributors. All rights reserved.
"""How far each non-local block of a trained model is from the identity it
starts as (mean |gamma| of its output norm, beside the residual branches'
closing norms): the command line of :func:`nl1d.analysis.gates.report_gates`.

Example::

    python tools/analysis/nonlocal_gates.py CONFIG CHECKPOINT --out gates.json
"""
import argparse
from typing import Dict, List, Optional

import nl1d  # registration; nl1d.setup_env() in main()
from nl1d.analysis.gates import report_gates
from nl1d.runtime.cli import add_cfg_options


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Mean |gamma| of each non-local block\'s output norm '
        '(0 = identity), beside the residual branches\' closing norms')
    parser.add_argument('config', help='config file')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--out', help='also write the numbers as json')
    add_cfg_options(parser, default={})
    return parser.parse_args(argv)


def main(argv: Optional[List[str]] = None) -> Dict[str, Dict]:
    nl1d.setup_env()
    args = parse_args(argv)
    return report_gates(args.config, args.checkpoint, args.out,
                        args.cfg_options)


if __name__ == '__main__':
    main()
