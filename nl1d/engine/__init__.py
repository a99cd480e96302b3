# Copyright (c) nl1d contributors. All rights reserved.
from .hooks import *  # noqa: F401,F403
from .optimizers import *  # noqa: F401,F403
