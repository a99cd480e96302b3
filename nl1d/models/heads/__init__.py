# Copyright (c) nl1d contributors. All rights reserved.
from .signal_head import SignalHead

__all__ = ['SignalHead']
