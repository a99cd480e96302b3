# Copyright (c) nl1d contributors. All rights reserved.
from .signal_data_preprocessor import SignalDataPreprocessor

__all__ = ['SignalDataPreprocessor']
