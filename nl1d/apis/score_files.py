# Copyright (c) nl1d contributors. All rights reserved.
"""Classify many records at once, one CSV row each, exactly as
``tools/test.py`` scores them: ``python -m nl1d.apis.inference`` (its
command line lives here).

Example:
    python -m nl1d.apis.inference configs/nl1d/nl_r18_res5_8xb32_signal.py \
        work_dirs/nl_r18/best_auc_auroc_epoch_7.pth data/demo/signals \
        --out scores.csv
"""
import argparse
import csv
import glob
import os.path as osp
import sys
from typing import List, Optional, Sequence, TextIO, Tuple

import numpy as np
import torch.nn as nn

from nl1d.datasets.class_names import csv_safe_cell
from nl1d.runtime.cli import add_cfg_options, load_config
from .inference import init_recognizer, iter_inference


def _expand_inputs(inputs: Sequence[str]) -> List[str]:
    """``.npy`` files from paths, folders (their ``*.npy``, sorted) and
    ``@list.txt`` files (one path per line)."""
    files: List[str] = []
    for item in inputs:
        if item.startswith('@'):
            with open(item[1:]) as f:
                files.extend(line.strip() for line in f
                             if line.strip() and not line.startswith('#'))
        elif osp.isdir(item):
            found = sorted(glob.glob(osp.join(item, '*.npy')))
            if not found:
                raise FileNotFoundError(f'{item}: no .npy file in this '
                                        'folder.')
            files.extend(found)
        else:
            files.append(item)
    return files


def score_rows(model: nn.Module,
               files: Sequence[str],
               sampling_rate: Optional[float] = None,
               progress: Optional[TextIO] = None,
               batch_size: Optional[int] = None) -> Tuple[List[str],
                                                          List[List]]:
    """Classify records as ``tools/test.py`` does (the test pipeline,
    multi-clip averaging, batches right-padded as ``pad_collate`` pads
    them: :func:`~nl1d.apis.inference.iter_inference`), so each record's
    scores are the ones it gets alone, whatever its length and batch.

    Args:
        model (nn.Module): A recognizer from :func:`init_recognizer`.
        files (Sequence[str]): ``.npy`` files, each (C, L); with a
            whole-record test pipeline (``SampleWindows(clip_len=None)``)
            of any length L.
        sampling_rate (float, optional): Hz. Defaults to the test
            dataset's.
        progress (TextIO, optional): Where to draw a progress bar. Defaults
            to None (no bar).
        batch_size (int, optional): Records per forward pass. Defaults to
            None (the config's ``test_dataloader.batch_size``).

    Returns:
        tuple[list[str], list[list]]: The CSV header (``file``, one
        ``score_{class}`` per class, ``pred_label``, ``pred_class`` and, per
        threshold stored in the checkpoint for a binary model,
        ``{prefix}_threshold``, ``{prefix}_pred``) and one row per file.
    """
    from nl1d.runtime.progress import track
    classes = (getattr(model, 'dataset_meta', None) or {}).get('classes')
    thresholds = getattr(model, 'thresholds', None) or {}
    header: List[str] = ['file']
    rows: List[List] = []
    results = iter_inference(
        model, files, sampling_rate=sampling_rate, batch_size=batch_size)
    if progress is not None:
        results = track(
            results, total=len(files), title='inference', file=progress)
    for result, path in zip(results, files):  # results first: the bar ends
        scores = result.pred_score.cpu().float().numpy().reshape(-1)
        names = list(classes) if classes is not None and \
            len(classes) == len(scores) else \
            [str(k) for k in range(len(scores))]
        if len(header) == 1:
            header += [f'score_{name}' for name in names]
            header += ['pred_label', 'pred_class']
            if len(scores) <= 2:
                for prefix in sorted(thresholds):
                    header += [f'{prefix}_threshold', f'{prefix}_pred']
        top = int(np.argmax(scores))
        row: List = [path] + [f'{v:.9g}' for v in scores] + [top, names[top]]
        if len(scores) <= 2:
            for prefix in sorted(thresholds):
                threshold = float(thresholds[prefix]['threshold'])
                row += [f'{threshold:.9g}', int(scores[-1] >= threshold)]
        rows.append(row)
    return header, rows


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog='python -m nl1d.apis.inference',
        description='Classify many .npy records with a trained recognizer, '
        'exactly as tools/test.py scores them (its test pipeline, multi-clip '
        'averaging); one CSV row per record.')
    parser.add_argument('config', help='config file')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument(
        'inputs', nargs='+',
        help='.npy files (C, L), folders (their *.npy files) or @list.txt '
        '(one path per line)')
    parser.add_argument('--out', help='CSV file to write (default: stdout)')
    parser.add_argument('--device', default='cpu', help='e.g. cpu, cuda:0')
    parser.add_argument('--sampling-rate', type=float, default=None,
                        help='Hz; defaults to the test dataset\'s')
    parser.add_argument(
        '--batch-size', type=int, default=None,
        help='records per forward pass (default: the config\'s '
        'test_dataloader.batch_size). Records of different lengths are '
        'right-padded and masked as tools/test.py does: the scores do not '
        'depend on it')
    add_cfg_options(parser, default={})
    args = parser.parse_args(argv)
    if args.batch_size is not None and args.batch_size < 1:
        parser.error(f'--batch-size must be >= 1, got {args.batch_size}.')
    return args


def main(argv: Optional[Sequence[str]] = None) -> None:
    """``python -m nl1d.apis.inference CONFIG CKPT a.npy b.npy --out
    scores.csv``: batch inference with a progress bar (on stderr)."""
    from nl1d.runtime import setup_env
    setup_env()
    args = parse_args(argv)
    cfg = load_config(args.config, args.cfg_options)
    files = _expand_inputs(args.inputs)
    missing = [f for f in files if not osp.isfile(f)]
    if missing:
        raise FileNotFoundError(
            f'{len(missing)} input file(s) do not exist, e.g. {missing[0]}.')
    model = init_recognizer(cfg, args.checkpoint, device=args.device)
    header, rows = score_rows(
        model, files, sampling_rate=args.sampling_rate, progress=sys.stderr,
        batch_size=args.batch_size)
    out = open(args.out, 'w', newline='') if args.out else sys.stdout
    try:
        # class names and paths come from files: escaped, no formulas
        writer = csv.writer(out)
        writer.writerow([csv_safe_cell(cell) for cell in header])
        writer.writerows([csv_safe_cell(cell) for cell in row]
                         for row in rows)
    finally:
        if args.out:
            out.close()
    if args.out:
        print(f'{len(rows)} records -> {args.out}', file=sys.stderr)


if __name__ == '__main__':
    main()
