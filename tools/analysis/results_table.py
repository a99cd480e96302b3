# Copyright (c) nl1d contributors. All rights reserved.
"""Print a markdown table of test metrics, one row per run: the command
line of :mod:`nl1d.analysis.results_table`.

Each argument is ``NAME=METRICS.json``, where the json is what
``tools/analysis/eval_metric.py CONFIG result.json --out METRICS.json``
writes.

Example:
    python tools/analysis/results_table.py \\
        nl_r18_res5=work_dirs/nl/metrics.json r18=work_dirs/r18/metrics.json
"""
import argparse

from nl1d.analysis.results_table import read_runs, table


def main() -> None:
    parser = argparse.ArgumentParser(
        description='Markdown table of metrics written by eval_metric.py')
    parser.add_argument('runs', nargs='+', metavar='NAME=METRICS.json')
    args = parser.parse_args()
    try:
        runs = read_runs(args.runs)
    except ValueError as e:
        parser.error(str(e))
    print(table(runs))


if __name__ == '__main__':
    main()
