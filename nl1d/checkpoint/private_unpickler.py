# Copyright (c) nl1d contributors. All rights reserved.
"""torch's weights-only unpickler with an allow-list of nl1d's own.

torch offers two ways to let a weights-only load read more than its
defaults: ``torch.serialization.add_safe_globals`` and the
``torch.serialization.safe_globals`` context manager. Both change one
process-wide set. A loader built on them depends on whatever else the
process put there and leaks into it:

* a name another library allow-listed (the real ``builtins.getattr``, the
  real ``HistoryBuffer``) competes with nl1d's stand-in for that name; torch
  builds its name table from an unordered set, so either may win, and a
  callable on the list may be called whatever name it was reached by;
* while one load is inside ``safe_globals``, any other thread's plain
  ``torch.load(weights_only=True)`` accepts nl1d's stand-ins, and two
  overlapping loads remove each other's entries on exit.

So nl1d does not use that set at all. :func:`weights_only_module` executes
the source of ``torch._weights_only_unpickler`` (torch's own unpickler,
opcode for opcode) into a private module object that is never put in
``sys.modules`` and whose allow-list is fixed when it is built: torch's
defaults plus nl1d's stand-ins, nothing another library adds, and nothing
any code can change afterwards. ``torch.load(..., weights_only=False,
pickle_module=<that module>)`` then runs torch's ``_load`` exactly as a
weights-only load does, with that unpickler. Nothing is copied from torch
and no torch state is touched, so the loader is thread-safe and independent
of the process.

The private unpickler also checks the size every storage record claims
against the file's size before torch allocates it, so a small file cannot
make the loader allocate more than it holds.
"""
import importlib.util
import threading
import types
from typing import Any, Callable, Iterable, Optional, Tuple

import torch

_lock = threading.Lock()
_modules: dict = {}


class ClaimedSizeError(Exception):
    """A storage record claims more bytes than the file holds."""


def weights_only_module(extra_globals: Iterable[Tuple[Any, str]],
                        key: str) -> types.ModuleType:
    """A private copy of ``torch._weights_only_unpickler`` whose allow-list
    is torch's defaults plus ``extra_globals``.

    Built once per ``key`` and cached; never registered in
    ``sys.modules``.

    Args:
        extra_globals (Iterable[tuple]): ``(object, 'module.name')`` pairs,
            as for ``torch.serialization.safe_globals``.
        key (str): Cache key of this allow-list.

    Returns:
        module: A module with torch's ``Unpickler`` and ``load``, usable as
        ``torch.load(..., pickle_module=module)``.
    """
    with _lock:
        if key in _modules:
            return _modules[key]
        spec = importlib.util.find_spec('torch._weights_only_unpickler')
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        # Private and frozen: nothing outside this module refers to it.
        needed = ('_marked_safe_globals_set', '_get_user_allowed_globals',
                  'Unpickler', 'load')
        missing = [name for name in needed if not hasattr(module, name)]
        if missing:
            raise ImportError(
                f'torch {torch.__version__}: torch._weights_only_unpickler '
                f'lacks {missing}, which nl1d\'s checkpoint loader builds '
                'on (tested with torch 2.13; the module has had them since '
                'torch 2.4). Please report this with your torch version.')
        module._marked_safe_globals_set = frozenset(extra_globals)
        module.Unpickler = _bounded(module.Unpickler)
        _modules[key] = module
        return module


def _claimed_bytes(saved_id: Any) -> Optional[int]:
    """Bytes a storage record claims: ``('storage', storage_type, key,
    location, numel[, view_metadata])`` in both of torch's formats."""
    storage_type, numel = saved_id[1], saved_id[4]
    if type(numel) is not int or numel < 0:
        return None
    dtype = getattr(storage_type, 'dtype', None)
    return numel * (dtype.itemsize if isinstance(dtype, torch.dtype) else 1)


def _bounded(unpickler: type) -> type:
    """``unpickler`` whose ``persistent_load`` (set by torch's ``_load``)
    refuses storage records claiming more bytes than the current
    :class:`size_limit`."""

    class Unpickler(unpickler):

        @property
        def persistent_load(self) -> Callable:
            return self._persistent_load

        @persistent_load.setter
        def persistent_load(self, load: Callable) -> None:
            limit = getattr(_limit, 'value', None)

            def checked(saved_id: Any) -> Any:
                if (limit is not None and isinstance(saved_id, tuple)
                        and len(saved_id) >= 5 and saved_id[0] == 'storage'):
                    size = _claimed_bytes(saved_id)
                    if size is None or size > limit:
                        raise ClaimedSizeError(
                            f'a storage record claims {saved_id[4]!r} '
                            f'elements ({size} bytes), more than the '
                            f'file\'s {limit} bytes')
                return load(saved_id)

            self._persistent_load = checked

    return Unpickler


_limit = threading.local()


class size_limit:
    """Context in which the current thread's loads refuse storage records
    claiming more than ``max_bytes`` bytes.

    Args:
        max_bytes (int, optional): The limit (the file's size); None for
            no limit.
    """

    def __init__(self, max_bytes: Optional[int]) -> None:
        self.max_bytes = max_bytes

    def __enter__(self) -> None:
        self.previous = getattr(_limit, 'value', None)
        _limit.value = self.max_bytes

    def __exit__(self, *exc: Any) -> None:
        _limit.value = self.previous
