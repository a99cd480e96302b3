# Copyright (c) nl1d contributors. All rights reserved.
from .non_local import NonLocal1d

__all__ = ['NonLocal1d']
