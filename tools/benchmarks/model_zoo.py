# Copyright (c) nl1d contributors. All rights reserved.
"""Moved: the model zoo runner is ``benchmarks/model_zoo.py``."""
import sys

if __name__ == '__main__':
    sys.exit('tools/benchmarks/model_zoo.py has moved to '
             'benchmarks/model_zoo.py: run `python benchmarks/model_zoo.py '
             'list`, `... run ROW` or `... table --update` (which now '
             'updates every zoo README and metafile itself); see '
             'benchmarks/README.md.')
