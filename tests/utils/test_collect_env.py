# Copyright (c) nl1d contributors. All rights reserved.
"""nl1d.utils.collect_env: the environment of a run, for its log."""
import numpy as np
import torch

import nl1d
import nl1d.utils  # noqa: F401 (the package whose attribute is tested)


def test_collect_env_twice():
    """The function, not its sibling submodule, is what nl1d.utils
    exports, before and after the submodule was imported."""
    import nl1d.utils.collect_env  # noqa: F401
    first = nl1d.utils.collect_env()
    second = nl1d.utils.collect_env()
    assert callable(nl1d.utils.collect_env)
    assert first == second
    assert first['nl1d'] == nl1d.__version__
    assert first['NumPy'] == np.__version__
    assert first['PyTorch'] == torch.__version__
    assert first['deterministic algorithms'] == str(
        torch.are_deterministic_algorithms_enabled())
    assert 'MMAction2' in first and 'MMEngine' in first
