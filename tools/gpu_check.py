# Copyright (c) nl1d contributors. All rights reserved.
"""The steps of ``tools/gpu_check.sh``, their time limits and the report.

Run through ``tools/gpu_check.sh`` (which may first install nl1d from a
wheelhouse); the steps, in order, each in its own process with its own time
limit, every one run even when an earlier one failed:

1. ``environment``: nl1d's :func:`~nl1d.utils.collect_env.collect_env`,
   printed;
2. ``cuda``: what torch sees (devices, CUDA / cuDNN / NCCL versions, a real
   matrix product on each device), or why it sees none;
3. ``pytest_cuda``: the tests marked ``cuda`` (``pytest -m cuda``);
4. ``demo_data``, ``train_amp``, ``test``: the quick-start config on the demo
   data, two epochs with ``--amp`` (float16 with loss scaling on a GPU), then
   multi-clip testing of the best checkpoint with ``--dump``;
5. ``dist_train_nccl``: ``tools/dist_train.sh`` with 2 processes over NCCL,
   when there are two GPUs or more;
6. ``benchmark_float32``, ``benchmark_amp``:
   ``tools/analysis/benchmark_nonlocal.py --device cuda``, every mode, nl1d
   against mmcv, up to 32k positions, with and without ``--amp``.

The whole run stays inside ``--budget`` seconds (8 minutes by default,
counted from ``--start``, the moment ``gpu_check.sh`` started): a step gets
at most its own limit and never more than the time left (less a few seconds
for each step after it); a step that runs over is killed with its whole
process group and marked ``timeout``; one that no time is left for is
``skipped``. ``report.json`` and ``report.md`` are rewritten after every
step, so an interrupted run still leaves one.

Without a CUDA device the run stops after steps 1 and 2, says why (a
CPU-only torch build, no driver, hidden devices...) and exits with
:data:`EXIT_NO_CUDA`.

Exit codes: 0 every step that ran passed; 1 a step failed or timed out (the
report says which); 2 usage; 3 no CUDA device (nothing was checked).

This module imports nothing beyond the standard library: it has to report
even when torch or nl1d does not import.
"""
import argparse
import datetime
import glob
import json
import os
import os.path as osp
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Tuple, Union

SELF = osp.abspath(__file__)
ROOT = osp.dirname(osp.dirname(SELF))
#: The quick start's non-local model (README, tools/quickstart.sh).
CONFIG = osp.join('configs', 'nl1d', 'nl_r18_res5_8xb32_signal.py')
TRAIN_EPOCHS = 2
BENCH_LENGTHS = (1024, 8192, 32768)
#: The whole run, install included (seconds).
DEFAULT_BUDGET = 480
#: Kept back from a step's limit for each step still to run after it.
RESERVE_PER_STEP = 5
#: A step that would get less than this is skipped.
MIN_STEP_SECONDS = 10
TAIL_LINES = 40
TAIL_CHARS = 4000

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_NO_CUDA = 0, 1, 2, 3

ENV_MARK = 'GPU_CHECK_ENV '
PROBE_MARK = 'GPU_CHECK_PROBE '


def print_environment() -> None:
    """``--print-environment``: nl1d's collect_env, one line per entry, then
    the same as a JSON line for the report."""
    try:
        from nl1d.runtime.collect_env import collect_env
    except ImportError:  # before nl1d.runtime had it
        from nl1d.utils.collect_env import collect_env
    env = collect_env()
    for name, value in env.items():
        print(f'{name}: {value}')
    print(ENV_MARK + json.dumps(env, default=str), flush=True)


def probe_cuda() -> dict:
    """``--probe-cuda``: what torch sees (devices and versions, one real
    kernel per device), or the reason it sees no usable device."""
    import warnings
    info = dict(python=sys.version.split()[0], executable=sys.executable,
                cuda_available=False, nvidia_smi=None)
    try:
        out = subprocess.run([
            'nvidia-smi', '--query-gpu=index,name,driver_version,'
            'memory.total', '--format=csv,noheader'
        ], capture_output=True, text=True, timeout=30)
        info['nvidia_smi'] = (out.stdout or out.stderr).strip().splitlines()
    except (OSError, subprocess.SubprocessError):
        pass
    try:
        import torch
    except Exception as e:
        info['reason'] = f'`import torch` fails: {type(e).__name__}: {e}'
        return info
    info.update(torch=torch.__version__, torch_file=torch.__file__,
                torch_cuda=torch.version.cuda,
                torch_hip=getattr(torch.version, 'hip', None))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        available = torch.cuda.is_available()
    info['warnings'] = [str(w.message) for w in caught]
    build = torch.version.cuda or info['torch_hip']
    if available:
        info.update(cuda_available=True,
                    device_count=torch.cuda.device_count(),
                    cudnn=torch.backends.cudnn.version(),
                    bf16_supported=torch.cuda.is_bf16_supported())
        try:
            info['nccl'] = '.'.join(map(str, torch.cuda.nccl.version()))
        except Exception as e:
            info['nccl'] = f'unavailable ({e})'
        info['devices'] = []
        for i in range(info['device_count']):
            p = torch.cuda.get_device_properties(i)
            device = dict(index=i, name=p.name,
                          capability=f'{p.major}.{p.minor}',
                          memory_gib=round(p.total_memory / 2**30, 1))
            try:  # a real kernel: a driver too old for this build fails here
                x = torch.randn(512, 512, device=f'cuda:{i}')
                device['matmul_ok'] = bool(torch.isfinite(x @ x).all())
            except Exception as e:
                device.update(matmul_ok=False,
                              error=f'{type(e).__name__}: {e}'[:500])
            info['devices'].append(device)
        bad = [d for d in info['devices'] if not d['matmul_ok']]
        if bad:
            info['cuda_available'] = False
            info['reason'] = ('torch sees the GPU but cannot run on it: ' +
                              bad[0].get('error', 'non-finite result'))
        return info
    try:
        torch.cuda.init()
    except Exception as e:
        info['init_error'] = f'{type(e).__name__}: {e}'[:500]
    visible = os.environ.get('CUDA_VISIBLE_DEVICES')
    if not build:
        info['reason'] = (
            f'this torch ({torch.__version__}, {osp.dirname(torch.__file__)})'
            ' is a CPU-only build: install a CUDA build of PyTorch, or point '
            'PYTHON/VENV at the environment that has one')
    elif visible is not None and visible.strip() in ('', '-1'):
        info['reason'] = f'CUDA_VISIBLE_DEVICES={visible!r} hides every GPU'
    elif not shutil.which('nvidia-smi') and not info['torch_hip']:
        info['reason'] = (f'torch is built for CUDA {build} but no NVIDIA '
                          'driver was found (no nvidia-smi): no GPU here, or '
                          'its driver is not installed')
    else:
        info['reason'] = (f'torch is built for CUDA {build} but cannot use '
                          'the GPU: is the driver (nvidia-smi) recent enough '
                          'for this CUDA? ' + info.get('init_error', ''))
    return info


@dataclass
class Step:
    """One check: a command run in its own process group.

    Args:
        name (str): Its key in the report.
        title (str): One line for people.
        cmd (list | callable): The command, or a function returning it when
            the step starts (for what an earlier step made); a function may
            raise :class:`StepError` to fail the step without running it.
        limit (float): Its time limit in seconds, at most.
        cwd (str): Where it runs. Defaults to the repository root.
        env (dict): Variables added to the environment. Defaults to none.
        check (callable, optional): ``check(output, result) -> (ok, details)``
            after a zero exit code: whether the output shows what the step
            is for, and facts for the report. Defaults to None (exit code
            only).
        skip (str): Why the step is not run; empty to run it.
    """
    name: str
    title: str
    cmd: Union[List[str], Callable[[], List[str]]]
    limit: float
    cwd: str = ROOT
    env: Dict[str, str] = field(default_factory=dict)
    check: Optional[Callable[[str, dict], Tuple[bool, dict]]] = None
    skip: str = ''


class StepError(Exception):
    """Raised by a step's ``cmd`` function: the step fails with this
    message, unrun."""


def tail(text: str, lines: int = TAIL_LINES, chars: int = TAIL_CHARS) -> str:
    """The last ``lines`` lines of ``text``, at most ``chars`` characters."""
    text = '\n'.join(text.rstrip().splitlines()[-lines:])
    return text[-chars:]


def _kill_group(proc: subprocess.Popen) -> None:
    """SIGTERM to the step's process group, SIGKILL 10 s later."""
    for sig, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 5)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


def run_step(step: Step, log_dir: str, timeout: float) -> dict:
    """Run ``step`` with ``timeout`` seconds; its output goes to
    ``log_dir/<name>.log``.

    Returns:
        dict: ``name``, ``title``, ``command``, ``status`` (``passed``,
        ``failed`` or ``timeout``), ``returncode``, ``duration_s``,
        ``timeout_s``, ``log``, ``tail``, ``details`` and, on a failure,
        ``error``.
    """
    result = dict(name=step.name, title=step.title, status='failed',
                  returncode=None, timeout_s=round(timeout, 1),
                  log=osp.join(log_dir, f'{step.name}.log'), details={})
    start = time.monotonic()
    try:
        cmd = step.cmd() if callable(step.cmd) else step.cmd
    except StepError as e:
        result.update(command='', duration_s=0.0, tail='', error=str(e))
        return result
    result['command'] = ' '.join(cmd)
    env = dict(os.environ, PYTHONUNBUFFERED='1', **step.env)
    os.makedirs(step.cwd, exist_ok=True)
    with open(result['log'], 'w') as log:
        log.write(f'$ (cd {step.cwd} && {result["command"]})\n')
        log.flush()
        try:
            proc = subprocess.Popen(cmd, cwd=step.cwd, env=env,
                                    stdout=log, stderr=subprocess.STDOUT,
                                    stdin=subprocess.DEVNULL,
                                    start_new_session=True)
        except OSError as e:
            result.update(duration_s=0.0, tail='', error=str(e))
            return result
        try:
            result['returncode'] = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill_group(proc)
            result['status'] = 'timeout'
            result['error'] = (f'killed after its {timeout:.0f} s limit')
        except BaseException:  # Ctrl-C: take the step's processes along
            _kill_group(proc)
            raise
    result['duration_s'] = round(time.monotonic() - start, 1)
    with open(result['log'], errors='replace') as f:
        f.readline()  # the command
        output = f.read()
    result['tail'] = tail(output)
    if result['status'] == 'timeout':
        return result
    # the check also on a failure: what it finds (a pytest summary...) helps
    ok, details = True, {}
    if step.check:
        try:
            ok, details = step.check(output, result)
        except Exception as e:  # what it reads may be missing
            ok, details = False, dict(error=f'{type(e).__name__}: {e}')
    result['details'] = details
    if result['returncode'] != 0:
        result['error'] = f'exit code {result["returncode"]}'
    elif ok:
        result['status'] = 'passed'
    else:
        result['error'] = details.get('error', 'the output lacks what the '
                                      'step checks for')
    return result


def _marked_json(output: str, mark: str) -> Optional[dict]:
    for line in output.splitlines()[::-1]:
        if line.startswith(mark):
            return json.loads(line[len(mark):])
    return None


def _check_env(output: str, result: dict) -> Tuple[bool, dict]:
    env = _marked_json(output, ENV_MARK)
    result['tail'] = tail('\n'.join(line for line in output.splitlines()
                                    if not line.startswith(ENV_MARK)))
    return env is not None, dict(environment=env or {})


def _check_probe(output: str, result: dict) -> Tuple[bool, dict]:
    probe = _marked_json(output, PROBE_MARK)
    if probe is None:
        return False, dict(error='the probe printed no result')
    # no CUDA is not this step's failure: the run stops with its own code
    if probe.get('cuda_available'):
        names = ', '.join(d['name'] for d in probe['devices'])
        summary = f"{probe['device_count']} device(s): {names}"
    else:
        summary = 'no CUDA device'
    return True, dict(probe=probe, summary=summary)


def _check_pytest(output: str, result: dict) -> Tuple[bool, dict]:
    summary = [line.strip('= ') for line in output.splitlines()
               if re.search(r'\d+ (passed|failed|error|skipped)', line)]
    details = dict(summary=summary[-1] if summary else '')
    counts = {k: int(n) for n, k in re.findall(
        r'(\d+) (passed|failed|errors?|skipped)', details['summary'])}
    details.update(counts)
    if not counts.get('passed'):
        details['error'] = 'no CUDA test passed: ' + details['summary']
        return False, details
    return True, details


def _latest_json(pattern: str) -> Optional[list]:
    """The records of the newest json-lines file matching ``pattern``."""
    files = sorted(glob.glob(pattern), key=osp.getmtime)
    if not files:
        return None
    with open(files[-1]) as f:
        return [json.loads(line) for line in f if line.strip()]


def _metrics(records: Optional[list], key: str = 'auc/auroc') -> dict:
    """The last record of a scalars/metrics json that has ``key``."""
    for record in (records or [])[::-1]:
        if key in record:
            return {k: v for k, v in record.items()
                    if isinstance(v, (int, float)) and '/' in k}
    return {}


class Plan:
    """The steps for one machine, from what the ``cuda`` step found.

    Args:
        python (str): The interpreter that has nl1d.
        out (str): The output folder.
        bench_lengths (tuple[int]): The benchmark's lengths.
        demo_args (list[str]): Added to ``generate_demo.py``'s arguments.
            Defaults to none (the quick start's demo data).
        cfg_options (list[str]): Added to the ``--cfg-options`` of the
            training, test and distributed steps. Defaults to none.
    """

    def __init__(self,
                 python: str,
                 out: str,
                 bench_lengths: Tuple[int, ...] = BENCH_LENGTHS,
                 demo_args: Optional[List[str]] = None,
                 cfg_options: Optional[List[str]] = None) -> None:
        self.python = python
        self.out = out
        self.bench_lengths = bench_lengths
        self.demo_args = list(demo_args or [])
        self.cfg_options = list(cfg_options or [])
        self.quick = osp.join(out, 'quickstart')

    def first_steps(self) -> List[Step]:
        """What every machine runs: the environment and the CUDA probe."""
        return [
            Step('environment', 'the environment (nl1d collect_env)',
                 [self.python, SELF, '--print-environment'], 90,
                 check=_check_env),
            Step('cuda', 'CUDA devices as torch sees them',
                 [self.python, SELF, '--probe-cuda'], 60,
                 check=_check_probe),
        ]

    def cuda_steps(self, probe: dict) -> List[Step]:
        """The checks that need a CUDA device."""
        py, config = self.python, osp.join(ROOT, CONFIG)
        train_dir = osp.join(self.quick, 'work')
        test_dir = osp.join(self.quick, 'test')
        files = cuda_test_files()

        def test_cmd() -> List[str]:
            best = sorted(glob.glob(osp.join(train_dir, 'best_*.pth')),
                          key=osp.getmtime)
            if not best:
                raise StepError('no best checkpoint from train_amp')
            return [py, osp.join(ROOT, 'tools', 'test.py'), config, best[-1],
                    '--work-dir', test_dir, '--dump',
                    osp.join(self.quick, 'result.pkl')] + (
                        ['--cfg-options', *self.cfg_options]
                        if self.cfg_options else [])

        def check_train(output: str, result: dict) -> Tuple[bool, dict]:
            dumped = osp.join(train_dir, osp.basename(config))
            amp = False
            if osp.isfile(dumped):
                with open(dumped) as f:
                    amp = 'AmpOptimWrapper' in f.read()
            details = dict(amp_optim_wrapper=amp, val=_metrics(_latest_json(
                osp.join(train_dir, '*', 'vis_data', 'scalars.json'))))
            if not amp:
                details['error'] = 'the dumped config has no AmpOptimWrapper'
            return amp, details

        def check_test(output: str, result: dict) -> Tuple[bool, dict]:
            metrics = _metrics(_latest_json(osp.join(test_dir, '*',
                                                     '*.json')))
            ok = bool(metrics) and osp.isfile(
                osp.join(self.quick, 'result.pkl'))
            details = dict(test=metrics)
            if not ok:
                details['error'] = 'no test metrics or no result.pkl'
            return ok, details

        def check_dist(output: str, result: dict) -> Tuple[bool, dict]:
            ok = ("'backend': 'nccl'" in output
                  and 'Distributed training: True' in output)
            return ok, {} if ok else dict(
                error='the log does not show 2 processes over NCCL')

        def bench(name: str, amp: bool) -> Step:
            out_json = osp.join(self.out, f'{name}.json')

            def check(output: str, result: dict) -> Tuple[bool, dict]:
                with open(out_json) as f:
                    rows = json.load(f)
                errors = [f"{r['mode']} L={r['length']}: {r['nl1d']['error']}"
                          for r in rows if 'error' in r['nl1d']]
                details = dict(json=out_json, figures=len(rows),
                               nl1d_errors=errors)
                if errors:
                    details['error'] = 'nl1d failed on ' + '; '.join(errors)
                return not errors, details

            return Step(
                name, 'benchmark_nonlocal.py --device cuda' +
                (' --amp' if amp else '') + ', every mode, nl1d vs mmcv', [
                    py,
                    osp.join(ROOT, 'tools', 'analysis',
                             'benchmark_nonlocal.py'), '--device', 'cuda',
                    '--lengths', *map(str, self.bench_lengths), '--json',
                    out_json
                ] + (['--amp'] if amp else []), 120, check=check)

        gpus = probe.get('device_count', 0)
        return [
            Step('pytest_cuda', 'the tests marked cuda (pytest -m cuda)',
                 [py, '-m', 'pytest', '-m', 'cuda', '-q', '-rs', *files],
                 180, check=_check_pytest,
                 skip='' if files else 'no test file has a cuda marker'),
            Step('demo_data', 'the demo data (tools/data/demo)', [
                py, osp.join(ROOT, 'tools', 'data', 'demo',
                             'generate_demo.py'), '--out', 'data/demo',
                '--seed', '0', *self.demo_args
            ], 60, cwd=self.quick),
            Step('train_amp', f'the quick-start config, {TRAIN_EPOCHS} '
                 'epochs with --amp', [
                     py, osp.join(ROOT, 'tools', 'train.py'), config,
                     '--work-dir', train_dir, '--seed', '0', '--amp',
                     '--cfg-options', f'train_cfg.max_epochs={TRAIN_EPOCHS}',
                     *self.cfg_options
                 ], 120, cwd=self.quick, check=check_train),
            Step('test', 'multi-clip test of the best checkpoint (--dump)',
                 test_cmd, 60, cwd=self.quick, check=check_test),
            Step('dist_train_nccl', 'tools/dist_train.sh, 2 processes over '
                 'NCCL, --amp', [
                     'bash', osp.join(ROOT, 'tools', 'dist_train.sh'),
                     config, '2', '--work-dir', osp.join(self.quick, 'dist'),
                     '--seed', '0', '--amp', '--cfg-options',
                     'train_cfg.max_epochs=1', *self.cfg_options
                 ], 120, cwd=self.quick, env=dict(PYTHON=py,
                                                  PORT=str(free_port())),
                 check=check_dist,
                 skip='' if gpus >= 2 else f'{gpus} GPU: needs 2 or more'),
            bench('benchmark_float32', amp=False),
            bench('benchmark_amp', amp=True),
        ]


def cuda_test_files(tests: str = osp.join(ROOT, 'tests')) -> List[str]:
    """The test files that hold a test marked ``cuda``, relative to the
    repository (collecting only them keeps the run short and independent
    of test modules whose optional imports the offline install lacks)."""
    found = []
    for path in sorted(glob.glob(osp.join(tests, '**', 'test_*.py'),
                                 recursive=True)):
        with open(path) as f:
            if 'pytest.mark.cuda' in f.read():
                found.append(osp.relpath(path, ROOT))
    return found


def free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


class Runner:
    """Runs steps under one deadline and keeps the report up to date.

    Args:
        out (str): The output folder (``report.json``, ``report.md``,
            ``logs/``).
        start (float): When the whole check started (``time.time()``).
        budget (float): Seconds for the whole check.
        meta (dict): Added to the report (python, install...).
        echo (callable): Where progress lines go. Defaults to print.
    """

    def __init__(self, out: str, start: float, budget: float, meta: dict,
                 echo: Callable[[str], None] = print) -> None:
        self.out = out
        self.logs = osp.join(out, 'logs')
        os.makedirs(self.logs, exist_ok=True)
        self.start = start
        self.deadline = start + budget
        self.budget = budget
        self.echo = echo
        self.results: List[dict] = []
        self.report = dict(
            tool='tools/gpu_check.sh', result='running', exit_code=None,
            summary='', started=_iso(start), finished=None,
            duration_s=None, budget_s=budget, repository=ROOT,
            commit=_git_commit(), **meta, environment={}, cuda={},
            steps=self.results)

    def run(self, steps: List[Step]) -> List[dict]:
        """Run ``steps`` in order, whatever becomes of each."""
        todo = [s for s in steps]
        done = []
        while todo:
            step = todo.pop(0)
            later = sum(1 for s in todo if not s.skip)
            left = self.deadline - time.time() - RESERVE_PER_STEP * later
            timeout = min(step.limit, left)
            number = len(self.results) + 1
            if step.skip or (left < step.limit and left < MIN_STEP_SECONDS):
                why = step.skip or (f'out of time: the check keeps to '
                                    f'{self.budget:.0f} s')
                result = dict(name=step.name, title=step.title,
                              status='skipped', error=why, duration_s=0.0,
                              returncode=None, command='', tail='',
                              details={})
                self.echo(f'[{number}] {step.name}: skipped ({why})')
            else:
                self.echo(f'[{number}] {step.name}: {step.title} '
                          f'(limit {timeout:.0f} s) ...')
                result = run_step(step, self.logs, timeout)
                line = (f'    {result["status"]} in '
                        f'{result["duration_s"]:.1f} s')
                if result.get('error') and result['status'] != 'passed':
                    line += f': {result["error"]}'
                self.echo(line)
                if result['status'] != 'passed' and result['tail']:
                    self.echo('    ---- last lines of ' + result['log'])
                    self.echo(tail(result['tail'], 15, 2000))
            self.results.append(result)
            done.append(result)
            self.write()
        return done

    def skip(self, steps: List[Step], why: str) -> None:
        """Record ``steps`` as skipped for one reason, in one line."""
        self.echo(f'[{len(self.results) + 1}-{len(self.results) + len(steps)}]'
                  f' skipped: {", ".join(s.name for s in steps)}')
        for step in steps:
            self.results.append(
                dict(name=step.name, title=step.title, status='skipped',
                     error=why, duration_s=0.0, returncode=None, command='',
                     tail='', details={}))
        self.write()

    def finish(self, result: str, exit_code: int, summary: str) -> None:
        now = time.time()
        self.report.update(result=result, exit_code=exit_code,
                           summary=summary, finished=_iso(now),
                           duration_s=round(now - self.start, 1))
        self.write()

    def write(self) -> None:
        """``report.json`` and ``report.md``, atomically."""
        for name, text in (('report.json',
                            json.dumps(self.report, indent=2) + '\n'),
                           ('report.md', render_markdown(self.report))):
            path = osp.join(self.out, name)
            with open(path + '.tmp', 'w') as f:
                f.write(text)
            os.replace(path + '.tmp', path)


def _iso(t: float) -> str:
    return datetime.datetime.fromtimestamp(t).astimezone().isoformat(
        timespec='seconds')


def _git_commit() -> str:
    try:
        out = subprocess.run(['git', 'describe', '--always', '--dirty'],
                             cwd=ROOT, capture_output=True, text=True,
                             timeout=10)
        return out.stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ''


def _fence(text: str) -> str:
    return '```\n' + text.replace('```', "'''") + '\n```\n'


def render_markdown(report: dict) -> str:
    """The report for people: summary, environment, steps, then each
    step's output tail (and the benchmark tables)."""
    lines = [f"# nl1d GPU check: {report['result']}", '',
             report['summary'] or '(running)', '',
             f"- started {report['started']}, took "
             f"{report['duration_s'] or '-'} s of a "
             f"{report['budget_s']:.0f} s budget; exit code "
             f"{report['exit_code']}",
             f"- repository {report['repository']} "
             f"({report['commit'] or 'not a git checkout'})",
             f"- python {report.get('python', '')}"]
    install = report.get('install')
    if install:
        lines.append(f"- offline install from {install['wheelhouse']}: "
                     f"exit code {install['returncode']}, "
                     f"{install['duration_s']} s (log: {install['log']})")
    cuda = report.get('cuda') or {}
    if cuda.get('devices'):
        for d in cuda['devices']:
            lines.append(f"- GPU {d['index']}: {d['name']}, compute "
                         f"{d['capability']}, {d['memory_gib']} GiB")
        lines.append(f"- torch {cuda.get('torch')}, CUDA "
                     f"{cuda.get('torch_cuda') or cuda.get('torch_hip')}, "
                     f"cuDNN {cuda.get('cudnn')}, NCCL {cuda.get('nccl')}, "
                     f"bf16 {cuda.get('bf16_supported')}")
    elif cuda.get('reason'):
        lines.append(f"- no CUDA: {cuda['reason']}")
    lines += ['', '## Steps', '', '| # | step | status | time | note |',
              '|---|---|---|---|---|']
    for i, r in enumerate(report['steps'], 1):
        note = r.get('error', '') if r['status'] != 'passed' else \
            r.get('details', {}).get('summary', '')
        note = str(note).replace('|', '/').replace('\n', ' ')[:160]
        lines.append(f"| {i} | {r['name']} | {r['status']} | "
                     f"{r['duration_s']:.1f} s | {note} |")
    env = report.get('environment') or {}
    if env:
        lines += ['', '## Environment', '', '| | |', '|---|---|']
        for k, v in env.items():
            if '\n' not in str(v):
                lines.append(f'| {k} | {v} |')
    for r in report['steps']:
        if r['status'] == 'skipped':
            continue
        lines += ['', f"## {r['name']}: {r['status']}", '',
                  f"{r['title']}; {r['duration_s']:.1f} s, limit "
                  f"{r.get('timeout_s', '-')} s, log `{r.get('log', '')}`", '']
        if r.get('command'):
            lines.append(f"`{r['command'][:300]}`")
            lines.append('')
        table = [line for line in r.get('tail', '').splitlines()
                 if line.startswith('|')]
        if r['name'].startswith('benchmark') and table:
            lines += table + ['']
        details = {k: v for k, v in r.get('details', {}).items()
                   if k not in ('environment', 'probe', 'error')}
        if details:
            lines.append(_fence(json.dumps(details, indent=1)))
        if r.get('tail'):
            lines.append(_fence(r['tail']))
    return '\n'.join(lines) + '\n'


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Check nl1d on a CUDA machine (run tools/gpu_check.sh)')
    parser.add_argument('--out', default=osp.join(ROOT, 'work_dirs',
                                                  'gpu_check'))
    parser.add_argument('--start', type=float, default=None,
                        help='when the check started (seconds since the '
                        'epoch; default: now)')
    parser.add_argument('--budget', type=float, default=DEFAULT_BUDGET,
                        help='seconds for the whole check, install included')
    parser.add_argument('--bench-lengths', type=int, nargs='+',
                        default=list(BENCH_LENGTHS))
    parser.add_argument('--install-log', default=None)
    parser.add_argument('--install-rc', type=int, default=None)
    parser.add_argument('--install-seconds', type=float, default=None)
    parser.add_argument('--wheelhouse', default=None)
    parser.add_argument('--print-environment', action='store_true',
                        help=argparse.SUPPRESS)
    parser.add_argument('--probe-cuda', action='store_true',
                        help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.print_environment:
        print_environment()
        return EXIT_OK
    if args.probe_cuda:
        print(PROBE_MARK + json.dumps(probe_cuda()), flush=True)
        return EXIT_OK
    out = osp.abspath(args.out)
    os.makedirs(out, exist_ok=True)
    # what an earlier run left would read as this run's
    for old in glob.glob(osp.join(out, 'logs', '*.log')) + glob.glob(
            osp.join(out, 'benchmark_*.json')):
        if args.install_log is None or not osp.samefile(
                old, args.install_log):  # this run's install
            os.remove(old)
    if osp.isdir(osp.join(out, 'quickstart')):
        shutil.rmtree(osp.join(out, 'quickstart'))
    meta = dict(python=sys.executable, install=None)
    if args.install_rc is not None:
        meta['install'] = dict(wheelhouse=args.wheelhouse,
                               returncode=args.install_rc,
                               duration_s=args.install_seconds,
                               log=args.install_log)
    runner = Runner(out, args.start or time.time(), args.budget, meta)
    plan = Plan(sys.executable, out, tuple(args.bench_lengths))
    print(f'nl1d GPU check: {sys.executable}, report in {out}/ '
          f'(budget {args.budget:.0f} s)', flush=True)
    env, probe = runner.run(plan.first_steps())
    runner.report['environment'] = env['details'].pop('environment', {})
    if env['status'] == 'passed':
        print('---- environment')
        print(env['tail'])
        print('----', flush=True)
    runner.report['cuda'] = cuda = probe['details'].pop('probe', {})

    if env['status'] != 'passed':
        if re.search(r'(ModuleNotFound|Import)Error', env['tail']):
            why = ('nl1d does not import with ' + sys.executable + ': run '
                   'tools/gpu_check.sh --wheelhouse DIR (or tools/install.sh)'
                   ' first')
        else:
            why = f"the environment step failed: see {env['log']}"
        runner.skip(plan.cuda_steps(cuda), why)
        runner.finish('failed', EXIT_FAILED, why)
        print(f'gpu_check: {why}', file=sys.stderr)
        return EXIT_FAILED
    if not cuda.get('cuda_available'):
        why = 'no CUDA device: ' + cuda.get('reason', 'the probe failed')
        runner.skip(plan.cuda_steps(cuda), 'no CUDA device')
        runner.finish('no_cuda', EXIT_NO_CUDA,
                      why + '. Nothing was checked; exit code 3.')
        print(f'gpu_check: {why}.\ngpu_check: nothing to check here (exit '
              f'code {EXIT_NO_CUDA}); report: {out}/report.md')
        return EXIT_NO_CUDA

    names = ', '.join(d['name'] for d in cuda['devices'])
    print(f"CUDA: {cuda['device_count']} device(s): {names}", flush=True)
    runner.run(plan.cuda_steps(cuda))
    counts = {}
    for r in runner.results:
        counts[r['status']] = counts.get(r['status'], 0) + 1
    failed = counts.get('failed', 0) + counts.get('timeout', 0)
    took = time.time() - runner.start
    summary = (', '.join(f'{n} {s}' for s, n in sorted(counts.items())) +
               f' in {took // 60:.0f}m{took % 60:02.0f}s on {names}')
    code = EXIT_FAILED if failed else EXIT_OK
    runner.finish('failed' if failed else 'passed', code, summary)
    print(f'gpu_check: {summary}; report: {out}/report.md '
          f'(exit code {code})')
    return code


if __name__ == '__main__':
    sys.exit(main())
