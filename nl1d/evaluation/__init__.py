# Copyright (c) nl1d contributors. All rights reserved.
from .metrics import *  # noqa: F401,F403
from .results import (RESULT_SUFFIXES, ResultFileError,  # noqa: F401
                      UnsafeResultFileError, check_result_path, load_results,
                      save_results)
