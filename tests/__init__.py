# Copyright (c) nl1d contributors. All rights reserved.
# A regular package, so that `from tests.tools... import` finds this
# repository's tests: model-index (installed with openmim,
# `tools/install.sh --with-mim`) ships a top-level `tests` package in
# site-packages, which wins over a namespace package of the same name.
