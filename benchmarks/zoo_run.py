# Copyright (c) nl1d contributors. All rights reserved.
"""The steps of a model-zoo row (``benchmarks/model_zoo.py run``): prepare
its data, train, test, score and measure it with the repository's own tools,
each step a process of its own, and write its ``row.json``.

A network row runs::

    python tools/train.py CONFIG --work-dir W --seed 0 --amp --resume
    python tools/test.py CONFIG CKPT --work-dir W --dump W/result.pkl
    python tools/analysis/eval_metric.py CONFIG W/result.pkl \\
        --checkpoint CKPT --out W/metrics.json

a baseline row (``baseline``: a tool such as
``tools/analysis/rr_baseline.py``) fits and scores the config's splits
without a network; a fusion row (``members``) runs its members, dumps each
on its validation records, fuses their scores
(``tools/analysis/fuse_scores.py``) and compares the fusion with its first
member on the same test records (``tools/analysis/compare_scores.py``).
Finished rows are skipped; an interrupted training resumes from its newest
complete checkpoint.
"""
import argparse
import glob
import json
import os
import os.path as osp
import platform
import signal
import subprocess
import sys
import time
from typing import Dict, List, Optional, Tuple

from zoo_rows import DATA

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))


def quick_options(config: str) -> List[str]:
    """--quick: 8 records per split, for as few epochs as the schedule
    allows (one past the last scheduler's start, e.g. 11 after a 10-epoch
    warm-up): checks that every step of a row works; the numbers mean
    nothing."""
    from mmengine import Config
    cfg = Config.fromfile(osp.join(REPO, config))
    splits = [s for s in ('train', 'val', 'test')
              if cfg.get(f'{s}_dataloader')]
    begins = [s.get('begin', 0) for s in cfg.get('param_scheduler') or []
              if s.get('by_epoch', True)]
    epochs = max(begins + [0]) + 1
    return [f'train_cfg.max_epochs={epochs}'] + [
        f'{s}_dataloader.dataset.indices=8' for s in splits
    ]


def _run(cmd: List[str], log: str, threads: Optional[int]) -> None:
    """Run ``python cmd`` from the repository, output to ``log``.

    Raises:
        RuntimeError: The command exited with a non-zero status.
    """
    # the repository first, the caller's PYTHONPATH kept after it
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        p for p in (REPO, os.environ.get('PYTHONPATH')) if p))
    if threads:
        env['OMP_NUM_THREADS'] = str(threads)
    with open(log, 'a') as out:
        # its own process group, so an interrupted driver stops the step's
        # dataloader workers too (killing the step alone orphans them)
        proc = subprocess.Popen([sys.executable] + cmd, cwd=REPO, env=env,
                                stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
        try:
            proc.wait()
        except BaseException:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            raise
    if proc.returncode != 0:
        raise RuntimeError(f'`{" ".join(cmd)}` failed ({proc.returncode}); '
                           f'see {log}')


def _write_json(path: str, obj: dict, **kwargs) -> None:
    """Write ``obj`` to ``path`` as json, atomically: into a temporary file
    beside it, then renamed over it, so an interruption (a second Ctrl-C
    while the first unwinds) leaves the previous file whole, never a
    truncated one."""
    tmp = f'{path}.tmp'
    with open(tmp, 'w') as f:
        json.dump(obj, f, **kwargs)
    os.replace(tmp, path)


def _train(cmd: List[str], log: str, threads: Optional[int],
           timing: str) -> float:
    """Run the training ``cmd`` like :func:`_run`; the seconds of every
    segment of the row's training so far.

    The wall time of this segment is added to ``timing`` (json) even when
    the training fails or the driver is interrupted (Ctrl-C, or SIGTERM,
    see :func:`main`), so a resumed row reports the time of all its
    segments, including the part of an epoch an interruption threw away.
    """
    seconds = 0.0
    if osp.exists(timing):  # an interrupted run resumes
        with open(timing) as f:
            seconds = json.load(f)['seconds']
    start = time.time()
    try:
        _run(cmd, log, threads)
    finally:
        seconds += time.time() - start
        _write_json(timing, dict(seconds=seconds))
    return seconds


def raise_exit(signum: int, frame) -> None:
    """SIGTERM handler: unwind (``finally`` blocks run) instead of dying."""
    raise SystemExit(128 + signum)


def machine(threads: Optional[int] = None) -> str:
    """CPU model, GPU, torch version and the threads the steps ran with
    (``threads``, else ``OMP_NUM_THREADS``, else torch's default)."""
    import torch
    cpu = platform.processor() or platform.machine()
    if osp.exists('/proc/cpuinfo'):
        with open('/proc/cpuinfo') as f:
            names = [line.split(':', 1)[1].strip() for line in f
                     if line.startswith('model name')]
        cpu = f'{len(names)}-core {names[0]}' if names else cpu
    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() \
        else 'no GPU'
    threads = threads or os.environ.get('OMP_NUM_THREADS',
                                        str(torch.get_num_threads()))
    return f'{cpu}, {gpu}, torch {torch.__version__}, {threads} thread(s)'


def prepare(data: str, shared: str, log: str) -> None:
    """Run the dataset's converter unless its annotation files exist."""
    done, cmd = DATA[data]
    if osp.exists(osp.join(REPO, done)):
        return
    if not osp.isdir(shared):
        raise FileNotFoundError(
            f'{data}: the shared datasets are not at {shared}; pass --shared '
            'or set NL1D_SHARED_DATA.')
    _run([c.format(shared=shared) for c in cmd], log, None)


def _checkpoint(work: str, which: str) -> str:
    if which == 'best':
        best = sorted(glob.glob(osp.join(work, 'best_*.pth')))
        if best:
            return best[-1]
    with open(osp.join(work, 'last_checkpoint')) as f:
        return f.read().strip()


def _window_length(cfg) -> int:
    """The test window length: the test pipeline's ``clip_len`` in samples,
    else (whole records, or a fraction of each record) that of the first
    test record's windows."""
    clip_len = None
    for step in cfg.test_dataloader.dataset.pipeline:
        if step['type'] == 'SampleWindows':
            clip_len = step.get('clip_len')
    if isinstance(clip_len, int):
        return clip_len
    dataset = cfg.test_dataloader.dataset
    ann = osp.join(dataset.get('data_root') or '', dataset.ann_file)
    with open(osp.join(REPO, ann)) as f:
        num_samples = int(f.readline().split()[1])
    from nl1d.datasets.transforms import SampleWindows
    return SampleWindows(clip_len).window_length(num_samples)


def measure(config: str) -> Dict:
    """Parameters and FLOPs of one test window (what
    tools/analysis/get_flops.py reports)."""
    from mmengine import Config

    from nl1d.analysis.flops import analyse
    cfg = Config.fromfile(osp.join(REPO, config))
    length = _window_length(cfg)
    result = analyse(cfg, length)
    return dict(params=int(result["params"]), flops=int(result["flops"]),
                length=length)


def _work_dir(row: dict, args: argparse.Namespace
              ) -> Tuple[str, str, Optional[dict]]:
    """The zoo's root, the row's work dir (made) and, for a finished row
    (unless ``--force``), its row.json."""
    root = osp.join(args.work_root, 'quick' if args.quick else '')
    work = osp.join(root, row['name'])
    summary = osp.join(work, 'row.json')
    if osp.exists(summary) and not args.force:
        print(f'[zoo] {row["name"]}: done ({summary})')
        with open(summary) as f:
            return root, work, json.load(f)
    os.makedirs(work, exist_ok=True)
    return root, work, None


def _save_row(work: str, info: dict) -> dict:
    """Write a finished row's row.json and log its metrics."""
    _write_json(osp.join(work, 'row.json'), info, indent=1)
    print(f'[zoo] {info["name"]}: {json.dumps(info["metrics"])[:200]}',
          flush=True)
    return info


def run_row(row: dict, args: argparse.Namespace) -> dict:
    """Prepare, train, test and measure one row; returns its row.json."""
    _, work, done = _work_dir(row, args)
    if done is not None:
        return done
    log = osp.join(work, 'zoo.log')
    print(f'[zoo] {row["name"]}: {row["config"]} (log: {log})', flush=True)
    prepare(row['data'], args.shared, log)
    options = quick_options(row['config']) if args.quick else []
    options_args = ['--cfg-options'] + options if options else []
    train = ['tools/train.py', row['config'], '--work-dir', work, '--seed',
             str(row.get('random_seed', 0)), '--amp', '--resume'
             ] + options_args
    seconds = _train(train, log, args.threads,
                     osp.join(work, 'train_seconds.json'))
    ckpt = _checkpoint(work, row['checkpoint'])
    result = osp.join(work, 'result.pkl')
    _run(['tools/test.py', row['config'], ckpt, '--work-dir', work,
          '--dump', result] + options_args, log, args.threads)
    metrics_file = osp.join(work, 'metrics.json')
    _run(['tools/analysis/eval_metric.py', row['config'], result,
          '--checkpoint', ckpt, '--out', metrics_file], log, args.threads)
    with open(metrics_file) as f:
        metrics = json.load(f)
    info = dict(
        row, metrics=metrics, checkpoint_tested=osp.basename(ckpt),
        train_seconds=round(seconds), machine=machine(args.threads),
        quick=args.quick,
        commands=[' '.join(['python'] + train),
                  f'python tools/test.py {row["config"]} '
                  f'{work}/{osp.basename(ckpt)} --dump {result}'],
        **measure(row['config']))
    return _save_row(work, info)


def run_baseline(row: dict, args: argparse.Namespace) -> dict:
    """Fit and score a baseline row (its ``baseline`` tool on its config's
    splits): ``W/result.pkl``, ``W/val_result.pkl`` (where a fusion's
    weights and thresholds are chosen) and the test metrics; returns its
    row.json. A baseline has no network: no parameters or FLOPs, and its
    time is the tool's wall time (fit and score)."""
    _, work, done = _work_dir(row, args)
    if done is not None:
        return done
    log = osp.join(work, 'zoo.log')
    print(f'[zoo] {row["name"]}: {row["baseline"]} {row["config"]} '
          f'(log: {log})', flush=True)
    prepare(row['data'], args.shared, log)
    # --quick: the baseline fits on the whole training split (seconds), so
    # that both classes are there; it scores 8 records of val and test
    options = [o for o in quick_options(row['config'])
               if o.startswith(('val_', 'test_'))] if args.quick else []
    metrics_file = osp.join(work, 'metrics.json')
    cmd = [row['baseline'], row['config'], '--dump',
           osp.join(work, 'result.pkl'), '--val-dump',
           osp.join(work, 'val_result.pkl'), '--out', metrics_file
           ] + (['--cfg-options'] + options if options else [])
    start = time.time()
    _run(cmd, log, args.threads)
    seconds = time.time() - start
    with open(metrics_file) as f:
        metrics = json.load(f)
    info = dict(row, metrics=metrics, quick=args.quick,
                machine=machine(args.threads), train_seconds=round(seconds),
                params=0, flops=0, length=None,
                commands=[' '.join(['python'] + cmd)])
    return _save_row(work, info)


def run_member(row: dict, args: argparse.Namespace) -> dict:
    """Run a single row: a baseline or a network."""
    return (run_baseline if 'baseline' in row else run_row)(row, args)


def _val_dump(row: dict, work: str, options: List[str],
              args: argparse.Namespace) -> str:
    """A finished row's test protocol (its config's test pipeline) on its
    validation records: ``W/val_result.pkl``, where a fusion's thresholds
    are chosen."""
    from mmengine import Config
    path = osp.join(work, 'val_result.pkl')
    if osp.exists(path) and not args.force:
        return path
    cfg = Config.fromfile(osp.join(REPO, row['config']))
    ann = cfg.val_dataloader.dataset.ann_file
    _run(['tools/test.py', row['config'], _checkpoint(work, row['checkpoint']),
          '--work-dir', work, '--dump', path, '--cfg-options',
          f'test_dataloader.dataset.ann_file={ann}'] + options,
         osp.join(work, 'zoo.log'), args.threads)
    return path


def run_fusion(row: dict, rows: Dict[str, dict],
               args: argparse.Namespace) -> dict:
    """Run a fusion row's ``members`` (rows of ``rows``), then fuse their
    test scores (tools/analysis/fuse_scores.py, thresholds chosen on their
    fused validation scores); returns its row.json."""
    members = [run_member(rows[name], args) for name in row['members']]
    root, work, done = _work_dir(row, args)
    if done is not None:
        return done
    options = quick_options(row['config']) if args.quick else []
    works = [osp.join(root, name) for name in row['members']]
    vals = [_val_dump(rows[name], w, options, args)
            for name, w in zip(row['members'], works)]
    metrics_file = osp.join(work, 'metrics.json')
    fuse = ['tools/analysis/fuse_scores.py', row['config'], '--preds'] + [
        osp.join(w, 'result.pkl') for w in works
    ] + ['--val-preds'] + vals + list(row.get('fusion', [])) + [
        '--dump', osp.join(work, 'result.pkl'), '--out', metrics_file
    ] + (['--cfg-options'] + options if options else [])
    _run(fuse, osp.join(work, 'zoo.log'), args.threads)
    with open(metrics_file) as f:
        metrics = json.load(f)
    # is the fusion better than its first member on the same test records?
    paired_file = osp.join(work, 'paired.json')
    compare = ['tools/analysis/compare_scores.py', row['config'], '--preds',
               osp.join(works[0], 'result.pkl'),
               osp.join(work, 'result.pkl'), '--names', row['members'][0],
               row['name'], '--out', paired_file]
    _run(compare, osp.join(work, 'zoo.log'), args.threads)
    with open(paired_file) as f:
        paired = json.load(f)
    info = dict(
        row, metrics=metrics, quick=args.quick, machine=machine(args.threads),
        train_seconds=sum(m['train_seconds'] for m in members),
        params=sum(m['params'] for m in members),
        flops=sum(m['flops'] for m in members), length=members[0]['length'],
        paired={f'{key}{end}': paired[f'{key}_1{end}']
                for key in ('delta_auroc', 'delta_auprc', 'p_auroc', 'p_auprc')
                for end in ('', '_ci') if f'{key}_1{end}' in paired},
        commands=[f'python benchmarks/model_zoo.py run {name}'
                  for name in row['members']] +
        [' '.join(['python'] + cmd) for cmd in (fuse, compare)])
    return _save_row(work, info)
