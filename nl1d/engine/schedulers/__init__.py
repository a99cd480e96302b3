# Copyright (c) nl1d contributors. All rights reserved.
from .cosine_to_end import CosineAnnealingToEndLR

__all__ = ['CosineAnnealingToEndLR']
