# Copyright (c) nl1d contributors. All rights reserved.
from .deflate import adapt_stem, deflate_kernel, deflate_state_dict
from .resnet1d import ResNet1d

__all__ = ['ResNet1d', 'deflate_state_dict', 'deflate_kernel', 'adapt_stem']
