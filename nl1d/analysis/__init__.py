# Copyright (c) nl1d contributors. All rights reserved.
"""What the scripts of ``tools/analysis/`` do, importable: metrics of a
dump (:mod:`.dump_eval`), ROC/PR curves (:mod:`.curves`), training logs
(:mod:`.logs`), non-local attention maps (:mod:`.attention`) and gates
(:mod:`.gates`), parameters and FLOPs (:mod:`.flops`), results tables
(:mod:`.results_table`).

The top layer of the library: it may use every other package; nothing in
nl1d imports it, and ``import nl1d`` does not (matplotlib is imported by
the modules that plot).
"""
