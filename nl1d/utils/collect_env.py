# Copyright (c) nl1d contributors. All rights reserved.
"""Deprecated: moved to nl1d.runtime.collect_env (``python -m
nl1d.runtime.collect_env`` prints the report)."""
from nl1d.utils import forward_module

if __name__ == '__main__':
    from nl1d.runtime.collect_env import main
    main()
else:
    __getattr__ = forward_module(__name__)
