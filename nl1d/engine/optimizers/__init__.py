# Copyright (c) nl1d contributors. All rights reserved.
from .bf16_optim_wrapper import BF16OptimWrapper, set_mixed_precision

__all__ = ['BF16OptimWrapper', 'set_mixed_precision']
