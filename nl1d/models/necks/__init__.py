# Copyright (c) nl1d contributors. All rights reserved.
from .non_local_neck import NonLocalNeck1d

__all__ = ['NonLocalNeck1d']
