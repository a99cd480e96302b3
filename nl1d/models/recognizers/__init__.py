# Copyright (c) nl1d contributors. All rights reserved.
from .recognizer1d import Recognizer1D

__all__ = ['Recognizer1D']
