# Copyright (c) nl1d contributors. All rights reserved.
"""Deprecated: moved to nl1d.checkpoint.resume."""
from nl1d.utils import forward_module

__getattr__ = forward_module(__name__)
