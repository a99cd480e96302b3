# Copyright (c) nl1d contributors. All rights reserved.
"""mmengine's CheckpointHook with writes that a kill cannot cut short and
content that loads weights-only with nothing allow-listed."""
import os.path as osp
from contextlib import contextmanager
from math import inf
from typing import Iterator, List, Optional

from mmengine.dist import is_main_process
from mmengine.hooks import CheckpointHook
from mmengine.logging import print_log

from mmaction.registry import HOOKS
from .plain import non_plain_values, to_plain
from .save import atomic_write


class _ConfinedRemovals:
    """Proxy of a file backend that removes only paths inside ``root``.

    A resumed run's message hub carries the paths of the run it came from
    (``best_ckpt``...); mmengine's ``CheckpointHook`` removes the recorded
    best checkpoint when it saves a better one. Paths outside this run's
    checkpoint folder are left in place, with a warning.
    """

    def __init__(self, backend, root: str) -> None:
        self._backend = backend
        self.root = root

    def _inside(self, path: str) -> bool:
        return _is_inside(str(path), self.root)

    def remove(self, path: str) -> None:
        if self._inside(path):
            self._backend.remove(path)
        else:
            _warn_kept(path, self.root)

    def rmtree(self, path: str) -> None:
        if self._inside(path):
            self._backend.rmtree(path)
        else:
            _warn_kept(path, self.root)

    def __getattr__(self, name: str):
        return getattr(self._backend, name)


def _is_inside(path: str, root: str) -> bool:
    """Whether ``path`` is inside the folder ``root`` (local paths resolved,
    URLs compared as strings)."""
    if '://' in root or '://' in path:
        return path.startswith(root.rstrip('/') + '/')
    path, root = osp.realpath(path), osp.realpath(root)
    return osp.commonpath([path, root]) == root and path != root


def _warn_kept(path: str, root: str) -> None:
    print_log(
        f'AtomicCheckpointHook: not removing {path}: it is outside this '
        f'run\'s checkpoint folder {root} (a path recorded in the '
        'checkpoint this run resumed from).',
        logger='current',
        level='WARNING')


class _DeferredRemovals:
    """Proxy of a file backend that records removals instead of doing them.
    """

    def __init__(self, backend) -> None:
        self._backend = backend
        self.paths: List[str] = []

    def remove(self, path: str) -> None:
        self.paths.append(path)

    def rmtree(self, path: str) -> None:
        self.paths.append(path)

    def __getattr__(self, name: str):
        return getattr(self._backend, name)


def _config_as_text(checkpoint: dict) -> None:
    """Move the config strings mmengine writes (``meta['cfg']``, the message
    hub's ``runtime_info['cfg']``), which mmengine's resume and inferencers
    evaluate as Python, to ``meta['config_text']``, a key nothing reads as
    code."""
    meta = checkpoint.get('meta')
    hub = checkpoint.get('message_hub')
    info = hub.get('runtime_info') if isinstance(hub, dict) else None
    texts = [
        d.pop(key) for d, key in ((meta, 'cfg'), (meta, 'config'),
                                  (info, 'cfg'))
        if isinstance(d, dict) and key in d
    ]
    if isinstance(meta, dict) and texts:
        meta['config_text'] = texts[0]


@HOOKS.register_module()
class AtomicCheckpointHook(CheckpointHook):
    """A :class:`mmengine.hooks.CheckpointHook` that never leaves a truncated
    or dangling latest checkpoint behind.

    mmengine 0.10.7 writes checkpoints with a plain ``open(path, 'wb')``, so a
    process killed while saving leaves a truncated ``epoch_N.pth`` that
    ``last_checkpoint`` points at, and with ``max_keep_ckpts`` it deletes the
    oldest kept checkpoint *before* writing the new one. This hook

    * writes every checkpoint (also ``best_*.pth``) through the
      ``local_atomic`` file backend: temporary file, ``fsync``,
      ``os.replace`` (see :func:`nl1d.checkpoint.save.atomic_write`);
    * rewrites ``work_dir/last_checkpoint`` atomically;
    * deletes checkpoints beyond ``max_keep_ckpts`` only after the new one and
      ``last_checkpoint`` are on disk;
    * keeps the config only as text for people (``meta['config_text']``):
      mmengine's ``meta['cfg']`` and the message hub's ``cfg``, which its
      resume and inferencers evaluate as Python, are not written;
    * removes files only inside this run's checkpoint folder: a best
      checkpoint recorded by the run a checkpoint came from is neither
      removed nor replaced;
    * writes plain content: the message hub's ``HistoryBuffer`` statistics
      become dicts of tensors and numpy scalars Python numbers
      (:func:`nl1d.checkpoint.plain.to_plain`), so every checkpoint
      loads with ``torch.load(weights_only=True)`` and torch's default
      allow-list; nl1d's loader turns them back into ``HistoryBuffer``
      objects on ``--resume``. It runs last among the hooks'
      ``before_save_checkpoint`` (priority ``VERY_LOW``), after the others
      have added their entries.

    ``tools/train.py --resume`` additionally falls back to the newest complete
    checkpoint when ``last_checkpoint`` names a missing or broken file
    (:func:`nl1d.checkpoint.resume.find_resumable_checkpoint`).

    **Ties.** mmengine's rules ``'greater'`` and ``'less'`` are strict: an
    epoch that only equals the best score keeps the *earlier* best
    checkpoint. On a small validation set scores tie often (an AUROC or an
    accuracy takes few distinct values), and the earlier epoch is the less
    trained one (a real run kept epoch 1). This hook adds
    ``rule='greater_or_equal'`` and ``rule='less_or_equal'``: a tie replaces
    the best checkpoint, so of equal scores the *last* epoch is kept.
    ``'greater'``/``'less'`` and a rule inferred from the metric name
    (``rule=None``) keep mmengine's meaning.

    Args:
        backend_args (dict, optional): As for ``CheckpointHook``. Defaults to
            None: ``dict(backend='local_atomic')`` when ``out_dir`` is local
            (an explicitly given backend is used as is, e.g. for object
            stores, whose uploads are atomic).
        **kwargs: Every other ``CheckpointHook`` argument (``interval``,
            ``max_keep_ckpts``, ``save_best``, ``rule``...).

    Examples:
        >>> default_hooks = dict(checkpoint=dict(
        ...     type='AtomicCheckpointHook', interval=1, max_keep_ckpts=3,
        ...     save_best='auc/auroc', rule='greater_or_equal'))
    """

    rule_map = dict(
        CheckpointHook.rule_map,
        greater_or_equal=lambda x, y: x >= y,
        less_or_equal=lambda x, y: x <= y)
    init_value_map = dict(
        CheckpointHook.init_value_map,
        greater_or_equal=-inf,
        less_or_equal=inf)

    def __init__(self, backend_args: Optional[dict] = None, **kwargs) -> None:
        out_dir = kwargs.get('out_dir')
        is_local = out_dir is None or '://' not in str(out_dir)
        if backend_args is None and kwargs.get(
                'file_client_args') is None and is_local:
            backend_args = dict(backend='local_atomic')
        super().__init__(backend_args=backend_args, **kwargs)

    @contextmanager
    def _removals_deferred(self) -> Iterator[_DeferredRemovals]:
        backend = self.file_backend
        proxy = _DeferredRemovals(backend)
        self.file_backend = proxy
        try:
            yield proxy
        finally:
            self.file_backend = backend

    def before_train(self, runner) -> None:
        """mmengine's set-up, then confine removals to this run's checkpoint
        folder and forget a recorded best checkpoint that lies outside it
        (a resumed run starts its own best-checkpoint bookkeeping then)."""
        super().before_train(runner)
        root = str(self.out_dir)
        if not isinstance(self.file_backend, _ConfinedRemovals):
            self.file_backend = _ConfinedRemovals(self.file_backend, root)
        if getattr(self, 'best_ckpt_path', None) and not _is_inside(
                str(self.best_ckpt_path), root):
            self.best_ckpt_path = None
        for key, path in getattr(self, 'best_ckpt_path_dict', {}).items():
            if path and not _is_inside(str(path), root):
                self.best_ckpt_path_dict[key] = None

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        """Make ``checkpoint`` plain (in place), keep the config only as text
        for people, and warn about anything a weights-only load would
        refuse."""
        _config_as_text(checkpoint)
        plain = to_plain(checkpoint)
        checkpoint.clear()
        checkpoint.update(plain)
        leftovers = list(non_plain_values(checkpoint))
        if leftovers:
            print_log(
                'AtomicCheckpointHook: this checkpoint holds values that '
                'torch.load(weights_only=True) refuses, so nl1d will not '
                f'load it: {leftovers[:5]}. Store tensors and plain Python '
                'values in checkpoints (convert them in the hook that adds '
                'them).',
                logger='current',
                level='WARNING')

    def _save_checkpoint_with_step(self, runner, step, meta) -> None:
        """Save, point ``last_checkpoint`` at it, then drop old ones."""
        with self._removals_deferred() as removals:
            super()._save_checkpoint_with_step(runner, step, meta)
        if not is_main_process():
            return
        atomic_write(self.last_ckpt, osp.join(runner.work_dir,
                                              'last_checkpoint'))
        for path in removals.paths:
            if self.file_backend.isfile(path):
                self.file_backend.remove(path)
            elif self.file_backend.isdir(path):
                self.file_backend.rmtree(path)
