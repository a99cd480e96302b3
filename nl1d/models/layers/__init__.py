# Copyright (c) nl1d contributors. All rights reserved.
from .non_local import NonLocal1d
from .res_blocks import BasicBlock1d, Bottleneck1d, conv1d, norm1d

__all__ = ['NonLocal1d', 'BasicBlock1d', 'Bottleneck1d', 'conv1d', 'norm1d']
