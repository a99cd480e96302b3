# Copyright (c) nl1d contributors. All rights reserved.
"""nl1d.runtime.collect_env: the environment of a run, for its log."""

import numpy as np
import torch

import nl1d
from nl1d.runtime.collect_env import collect_env


def test_collect_env_twice():
    first = collect_env()
    second = collect_env()
    assert first == second
    assert first['nl1d'] == nl1d.__version__
    assert first['NumPy'] == np.__version__
    assert first['PyTorch'] == torch.__version__
    assert first['deterministic algorithms'] == str(
        torch.are_deterministic_algorithms_enabled())
    assert 'MMAction2' in first and 'MMEngine' in first
