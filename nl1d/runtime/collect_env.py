# Copyright (c) nl1d contributors. All rights reserved.
"""The environment a run depends on, for its log (reproduce it months later).
"""
import os
import platform
from collections import OrderedDict
from typing import Dict

import numpy as np
import torch
from mmaction.utils import collect_env as collect_mmaction_env

from nl1d.version import __version__


def collect_env() -> Dict[str, str]:
    """mmaction2's environment report plus what nl1d's results depend on.

    Adds to :func:`mmaction.utils.collect_env` (Python, PyTorch, CUDA, GCC,
    MMEngine, MMCV, MMAction2...): the nl1d and numpy versions, the CPU, the
    thread count and the deterministic-algorithms switch.

    Returns:
        dict[str, str]: Name to value, in logging order.
    """
    env = OrderedDict(collect_mmaction_env())
    env['nl1d'] = __version__
    env['NumPy'] = np.__version__
    env['CPU'] = platform.processor() or platform.machine()
    env['CPU count'] = str(os.cpu_count())
    env['torch threads'] = str(torch.get_num_threads())
    env['deterministic algorithms'] = str(
        torch.are_deterministic_algorithms_enabled())
    if torch.cuda.is_available():
        env['GPU'] = ', '.join(
            torch.cuda.get_device_name(i)
            for i in range(torch.cuda.device_count()))
    else:
        env['GPU'] = 'none (CPU only)'
    return env


def main() -> None:
    """Print the report, one ``name: value`` line each
    (``python -m nl1d.runtime.collect_env``)."""
    for name, value in collect_env().items():
        print(f'{name}: {value}')


if __name__ == '__main__':
    main()
