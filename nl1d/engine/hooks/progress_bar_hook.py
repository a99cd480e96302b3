# Copyright (c) nl1d contributors. All rights reserved.
"""A Runner hook that tells a training as a short story: one line per epoch
(progress, mean loss, validation metric) and one for the test, on ``stderr``
by default, so that the Runner's full log can go to a file
(``python tools/train.py CFG > train.log``) while the terminal shows only
the story. ``tools/quickstart.sh`` uses it."""
import sys
import time
from typing import IO, Any, Dict, Optional, Sequence, Tuple, Union

from mmaction.registry import HOOKS
from mmengine.dist import is_main_process
from mmengine.hooks import Hook

from nl1d.runtime.progress import duration as _duration
from nl1d.runtime.progress import is_terminal


def _stream(file: Union[str, IO]) -> IO:
    if file == 'stderr':
        return sys.stderr
    if file == 'stdout':
        return sys.stdout
    if isinstance(file, str):
        raise ValueError(f"ProgressBarHook: file must be 'stdout', 'stderr' "
                         f'or a file object, got {file!r}.')
    return file


@HOOKS.register_module()
class ProgressBarHook(Hook):
    """A short account of a training and a test, for people.

    Training: one line per epoch, ``epoch  3/8 [#####] 25/25  loss 0.512
    val auc/auroc 0.873  (31s)`` (on a terminal the line fills while the
    epoch runs), then the best validation score and its checkpoint. Test:
    ``test [#####] 200/200  auc/auroc 0.991  (12s)``. The loss is the mean
    over the epoch's iterations. Only the main process writes.

    It writes to ``stderr`` by default and changes nothing of the Runner's
    log, so ``python tools/train.py CFG > train.log`` keeps the full log in
    the file and the story on the terminal. Add it with
    ``custom_hooks = [..., dict(type='ProgressBarHook')]`` (``import nl1d``
    registers it).

    Args:
        metric_keys (Sequence[str], optional): Validation / test metrics to
            show. Defaults to None: ``auc/auroc`` when the evaluator reports
            it, else its first metric.
        file (str | IO): ``'stderr'``, ``'stdout'`` or a file object.
            Defaults to ``'stderr'``.
        bar_width (int): Characters of the bar. Defaults to 20.
        refresh (float): Seconds between redraws on a terminal.
            Defaults to 0.2.
        indent (int): Spaces before each line. Defaults to 0.
    """

    priority = 'VERY_LOW'

    def __init__(self,
                 metric_keys: Optional[Sequence[str]] = None,
                 file: Union[str, IO] = 'stderr',
                 bar_width: int = 20,
                 refresh: float = 0.2,
                 indent: int = 0) -> None:
        self.indent = ' ' * indent
        self.metric_keys = list(metric_keys) if metric_keys else None
        self.file = file
        self.bar_width = bar_width
        self.refresh = refresh
        # the finished epoch's line (text, duration), not yet written
        self._pending: Optional[Tuple[str, str]] = None
        self._loss_sum = 0.0
        self._loss_count = 0
        self._start = 0.0
        self._last_draw = 0.0

    # ------------------------------------------------------------ helpers
    @property
    def _out(self) -> IO:
        return _stream(self.file)

    def _write(self, text: str, final: bool = True) -> None:
        if not is_main_process():
            return
        out = self._out
        text = self.indent + text
        if is_terminal(out):
            out.write('\r\033[K' + text + ('\n' if final else ''))
        elif final:
            out.write(text + '\n')
        out.flush()

    def _bar(self, done: int, total: int) -> str:
        filled = self.bar_width * done // total if total else 0
        return (f'[{"#" * filled}{"." * (self.bar_width - filled)}] '
                f'{done:>{len(str(total))}}/{total}')

    def _draw(self, text: str) -> None:
        """Redraw the current line on a terminal, at most every
        ``refresh`` seconds."""
        now = time.perf_counter()
        if now - self._last_draw >= self.refresh and is_terminal(self._out):
            self._last_draw = now
            self._write(text, final=False)

    def _metrics_text(self, metrics: Optional[Dict[str, Any]],
                      prefix: str) -> str:
        if not metrics:
            return ''
        keys = self.metric_keys
        if keys is None:
            keys = ['auc/auroc'] if 'auc/auroc' in metrics else \
                list(metrics)[:1]
        parts = []
        for key in keys:
            value = metrics.get(key)
            if isinstance(value, (int, float)):
                parts.append(f'{prefix}{key} {value:.4f}')
        return '  '.join(parts)

    def _flush_pending(self, metrics_text: str = '') -> None:
        if self._pending is not None:
            text, took = self._pending
            extra = f'  {metrics_text}' if metrics_text else ''
            self._write(f'{text}{extra}  ({took})')
            self._pending = None

    # -------------------------------------------------------------- train
    def before_train(self, runner) -> None:
        self._train_start = time.perf_counter()

    def before_train_epoch(self, runner) -> None:
        self._flush_pending()
        self._loss_sum, self._loss_count = 0.0, 0
        self._start = time.perf_counter()
        self._last_draw = 0.0

    def _epoch_text(self, runner, done: int, total: int) -> str:
        width = len(str(runner.max_epochs))
        loss = self._loss_sum / self._loss_count if self._loss_count else \
            float('nan')
        return (f'epoch {runner.epoch + 1:>{width}}/{runner.max_epochs} '
                f'{self._bar(done, total)}  loss {loss:.4f}')

    def after_train_iter(self,
                         runner,
                         batch_idx: int,
                         data_batch: Any = None,
                         outputs: Optional[dict] = None) -> None:
        loss = (outputs or {}).get('loss')
        if loss is not None:
            if hasattr(loss, 'detach'):
                loss = loss.detach()
            self._loss_sum += float(loss)
            self._loss_count += 1
        total = len(runner.train_dataloader)
        self._draw(self._epoch_text(runner, batch_idx + 1, total))

    def after_train_epoch(self, runner) -> None:
        total = len(runner.train_dataloader)
        # runner.epoch is still the finished epoch's index here
        text = self._epoch_text(runner, total, total)
        self._pending = (text,
                         _duration(time.perf_counter() - self._start))
        self._write(text + '  validating...', final=False)

    def after_val_epoch(self,
                        runner,
                        metrics: Optional[Dict[str, float]] = None) -> None:
        if self._pending is None:  # a validation outside training
            self._write('val  ' + self._metrics_text(metrics, ''))
            return
        self._flush_pending(self._metrics_text(metrics, 'val '))

    def after_train(self, runner) -> None:
        self._flush_pending()
        hub = runner.message_hub
        best = hub.get_info('best_score')
        ckpt = hub.get_info('best_ckpt')
        took = _duration(time.perf_counter() - self._train_start)
        if best is not None and ckpt is not None:
            self._write(f'best validation score {best:.4f}: {ckpt} '
                        f'(training took {took})')
        else:
            self._write(f'training took {took}; checkpoints in '
                        f'{runner.work_dir}')

    # --------------------------------------------------------------- test
    def before_test_epoch(self, runner) -> None:
        self._start = time.perf_counter()
        self._last_draw = 0.0

    def after_test_iter(self,
                        runner,
                        batch_idx: int,
                        data_batch: Any = None,
                        outputs: Optional[Sequence] = None) -> None:
        total = len(runner.test_dataloader)
        self._draw(f'test {self._bar(batch_idx + 1, total)}')

    def after_test_epoch(self,
                         runner,
                         metrics: Optional[Dict[str, float]] = None) -> None:
        total = len(runner.test_dataloader)
        text = self._metrics_text(metrics, '')
        self._write(f'test {self._bar(total, total)}  {text}  '
                    f'({_duration(time.perf_counter() - self._start)})')
