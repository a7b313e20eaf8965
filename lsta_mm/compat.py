"""Absorbs upstream breakages of the torch / mmengine / mmaction2 stack.

This module is imported first by :mod:`lsta_mm` and changes nothing in
site-packages. It is the one place where importing :mod:`lsta_mm` changes
process-wide state; the four changes, each as narrow as it can be:
1. a stand-in module for mmaction2's missing ``drn`` package (only when
   the folder is missing); 2. the safe local-file checkpoint loader
   (``CheckpointLoader.register_scheme(prefixes='', force=True)``, the
   prefix mmengine's own tools load through); 3. one warnings filter for
   the single message mmcv-lite prints about its compiled ops; 4. with
   transformers >= 5 installed, mmaction2's VindLU models left unimported
   (:func:`skip_vindlu_on_transformers5`).

1. **mmaction2 1.2.0 ships without ``mmaction/models/localizers/drn/``.**
   ``mmaction/models/localizers/__init__.py`` still does
   ``from .drn.drn import DRN``, so ``import mmaction.models`` (and therefore
   every registry build) raises ``ModuleNotFoundError``. When, and only when,
   the folder is missing from the installed package, we place a stand-in
   module in :data:`sys.modules`. Its ``DRN`` is not registered; constructing
   it raises an error that explains why. An mmaction2 that ships the folder
   is left alone.

2. **torch >= 2.6 loads with ``weights_only=True`` by default.** mmengine's
   checkpoints carry a ``HistoryBuffer`` and numpy scalars/arrays in their
   ``message_hub`` meta, so ``--resume`` and ``tools/test.py CONFIG CKPT`` fail
   with ``UnpicklingError``. We keep ``weights_only=True`` and allowlist the
   exact globals such a checkpoint needs (:func:`checkpoint_safe_globals`),
   *only for the duration of one load* through
   ``torch.serialization.safe_globals``. The local-file loader of mmengine's
   ``CheckpointLoader`` is replaced, through its public ``register_scheme``
   API, by :func:`safe_load_from_local`. A checkpoint whose pickle names any
   other global is refused with :class:`UnsafeCheckpointError`; a truncated
   or foreign file gets :class:`CorruptCheckpointError`. Neither ever falls
   back to unrestricted unpickling, which would execute arbitrary code.
"""
import builtins
import codecs
import functools
import importlib.util
import os
import os.path as osp
import pickle
import re
import sys
import types
import warnings
from typing import Callable, Optional, Tuple

import numpy as np
import torch

__all__ = [
    'checkpoint_safe_globals', 'CorruptCheckpointError', 'keep_for_next_load',
    'UnsafeCheckpointError', 'install_drn_placeholder',
    'install_safe_checkpoint_loader', 'safe_torch_load',
    'safe_load_from_local', 'skip_vindlu_on_transformers5'
]


# ---------------------------------------------------------------------------
# 1. mmaction2's missing DRN localizer
# ---------------------------------------------------------------------------
_DRN_PACKAGE = 'mmaction.models.localizers.drn'
_DRN_MESSAGE = (
    'DRN is not available: the installed mmaction2 wheel does not ship '
    'mmaction/models/localizers/drn (an upstream packaging bug). lsta_mm '
    'installed a placeholder so that `import mmaction.models` works; install '
    'mmaction2 from source if you need DRN itself.')


class _MissingDRN:
    """Stand-in for mmaction2's DRN localizer that says why it is missing."""

    def __init__(self, *args, **kwargs):
        raise ImportError(_DRN_MESSAGE)


def _mmaction_dir() -> Optional[str]:
    spec = importlib.util.find_spec('mmaction')
    if spec is None or not spec.submodule_search_locations:
        return None
    return list(spec.submodule_search_locations)[0]


def install_drn_placeholder() -> bool:
    """Provide ``mmaction.models.localizers.drn`` when the wheel lacks it.

    Returns:
        bool: True when the placeholder was installed, False when mmaction2
        ships the real module (or it was already importable).
    """
    if _DRN_PACKAGE in sys.modules:
        return False
    root = _mmaction_dir()
    if root is None:
        return False
    if osp.isdir(osp.join(root, 'models', 'localizers', 'drn')):
        return False
    package = types.ModuleType(_DRN_PACKAGE)
    package.__path__ = []  # a package with no files on disk
    package.__doc__ = _DRN_MESSAGE
    submodule = types.ModuleType(_DRN_PACKAGE + '.drn')
    submodule.__doc__ = _DRN_MESSAGE
    submodule.DRN = _MissingDRN
    package.drn = submodule
    sys.modules[_DRN_PACKAGE] = package
    sys.modules[_DRN_PACKAGE + '.drn'] = submodule
    return True


def _installed_version(distribution: str) -> Optional[str]:
    from importlib import metadata
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None


def skip_vindlu_on_transformers5(
        transformers_version: Optional[str] = None) -> bool:
    """Keep ``import mmaction.models`` working next to transformers >= 5.

    mmaction2 1.2.0 imports its VindLU video-text models whenever
    transformers >= 4.28 is installed (``WITH_MULTIMODAL`` in
    ``mmaction.utils.dependency``), and that code imports
    ``apply_chunking_to_forward`` from ``transformers.modeling_utils``,
    which transformers 5 removed: ``import mmaction.models`` then raises
    ``ImportError`` (seen with transformers 5.17 on a GPU machine). With
    transformers 5 or later, the flag is set False before
    ``mmaction.models`` is first imported; mmaction2 then registers its own
    placeholders for the three VindLU models. No skeleton model uses them.

    Args:
        transformers_version: the installed version (read from the
            package metadata when None, without importing transformers).

    Returns:
        bool: True when the VindLU import was switched off.
    """
    if 'mmaction.models' in sys.modules:
        return False
    version = transformers_version or _installed_version('transformers')
    if version is None:
        return False
    major = re.match(r'\d+', version)
    if major is None or int(major.group()) < 5:
        return False
    from mmaction.utils import dependency
    if not dependency.WITH_MULTIMODAL:
        return False
    dependency.WITH_MULTIMODAL = False
    return True


# ---------------------------------------------------------------------------
# 2. Safe checkpoint loading under torch's weights_only unpickler
# ---------------------------------------------------------------------------
class UnsafeCheckpointError(RuntimeError):
    """A checkpoint's pickle names a global outside the allowlist."""


class CorruptCheckpointError(RuntimeError):
    """A checkpoint file is truncated, empty or not a torch checkpoint."""


@functools.lru_cache(maxsize=None)
def checkpoint_safe_globals() -> Tuple:
    """mmengine's ``HistoryBuffer`` (and the ``getattr`` it pickles its
    statistics methods with, admitted only while a checkpoint loads) plus
    the numpy globals of :data:`lsta_mm.safe_pickle.ALLOWED_GLOBALS`, the
    one allowlist of the project, resolved to objects for torch (on the
    first checkpoint load: importing this module imports no other part of
    lsta_mm)."""
    from mmengine.logging.history_buffer import HistoryBuffer

    from lsta_mm.safe_pickle import ALLOWED_GLOBALS
    allow = [HistoryBuffer, builtins.getattr]
    for module, name in sorted(ALLOWED_GLOBALS):
        if module.split('.')[0] != 'numpy':
            continue
        if module.startswith('numpy.core.') and hasattr(np, '_core'):
            continue  # numpy 2's deprecated alias of numpy._core
        try:
            obj = getattr(importlib.import_module(module), name)
        except (ImportError, AttributeError):
            continue  # the other numpy major version's spelling
        if obj not in allow:
            allow.append(obj)
    return tuple(allow)


#: How ``torch.save`` files begin: a zip archive (the default since torch
#: 1.6) or, in the legacy format, the pickled magic number.
_TORCH_FILE_PREFIXES = (b'PK\x03\x04',
                        b'\x80\x02\x8a\nl\xfc\x9cF\xf9 j\xa8P\x19')


def _not_a_torch_file(filename) -> Optional[str]:
    """What a file holds when it is not a ``torch.save`` file, else None.

    Looks only at the first bytes, so nothing is unpickled.
    """
    with open(filename, 'rb') as handle:
        head = handle.read(512)
    if head.startswith(_TORCH_FILE_PREFIXES):
        return None
    if not head:
        return 'nothing (the file is empty)'
    if head[:1] == b'\x80':
        return ('a plain pickle (e.g. an annotation .pkl or a score dump), '
                'not a torch.save file')
    try:  # incremental: a character cut at the 512th byte is still text
        text = codecs.getincrementaldecoder('utf-8')().decode(head).lstrip()
    except UnicodeDecodeError:
        return 'binary data of an unknown format'
    return 'JSON' if text[:1] in '{[' and text else 'text'


def safe_torch_load(filename, map_location=None):
    """``torch.load`` with ``weights_only=True`` and mmengine's allowlist.

    Args:
        filename (str | file-like): The checkpoint.
        map_location: As for :func:`torch.load`.

    Returns:
        The unpickled checkpoint (usually a dict).

    Raises:
        FileNotFoundError: ``filename`` does not exist.
        UnsafeCheckpointError: the pickle references a global outside
            :func:`checkpoint_safe_globals` (it could run arbitrary code).
        CorruptCheckpointError: the file is truncated or not a checkpoint.
    """
    name = filename if isinstance(filename, (str, os.PathLike)) else getattr(
        filename, 'name', '<stream>')
    if isinstance(filename, (str, os.PathLike)):
        if not osp.isfile(filename):
            raise FileNotFoundError(f'checkpoint file {name} does not exist')
        content = _not_a_torch_file(filename)
        if content is not None:
            raise CorruptCheckpointError(
                f'{name} is not a checkpoint: it holds {content}; give the '
                f'.pth file that training wrote (WORK_DIR/epoch_N.pth, '
                f'best_*.pth or the path in WORK_DIR/last_checkpoint)')
    try:
        allowed = list(checkpoint_safe_globals())
        with torch.serialization.safe_globals(allowed):
            return torch.load(
                filename, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as err:
        text = str(err)
        if 'Weights only load failed' in text or 'GLOBAL' in text:
            raise UnsafeCheckpointError(
                f'refusing to load checkpoint {name}: its pickle references '
                f'{_refused_global(text)}, which is not on lsta_mm\'s '
                f'allowlist; loading it could execute arbitrary code. Only '
                f'load checkpoints written by mmengine/torch from a source '
                f'you trust.') from None
        raise CorruptCheckpointError(
            f'checkpoint {name} cannot be read: {_first_lines(text)}'
        ) from None
    except (RuntimeError, EOFError, ValueError, OSError, KeyError) as err:
        raise CorruptCheckpointError(
            f'checkpoint {name} is truncated, empty or not a torch '
            f'checkpoint ({type(err).__name__}: {_first_lines(str(err))})'
        ) from None


def _refused_global(text: str) -> str:
    """The global torch's weights-only unpickler refused, from its message."""
    match = re.search(r'GLOBAL\s+([\w.]+)', text)
    if match:
        return f'the global {match.group(1)}'
    # torch's own reason, without its advice to load the file unsafely
    match = re.search(r'WeightsUnpickler error:\s*(.+)', text)
    reason = f' ({match.group(1).strip()})' if match else ''
    return f'an object torch does not load safely{reason}'


def _first_lines(text: str, count: int = 3) -> str:
    return ' '.join(line.strip() for line in text.strip().splitlines()[:count])


#: A checkpoint read ahead of the Runner (the tools check it before any
#: data is read), handed to the next load of the same unchanged file with
#: the same ``map_location``, so a run reads its checkpoint once.
_READ_AHEAD: dict = {}


def _read_ahead_key(filename, map_location) -> tuple:
    stat = os.stat(filename)
    return (osp.realpath(filename), stat.st_mtime_ns, stat.st_size,
            repr(map_location))


def keep_for_next_load(filename, map_location, checkpoint: dict) -> None:
    """Let the next :func:`safe_load_from_local` of ``filename`` (unchanged
    since, same ``map_location``) return ``checkpoint`` instead of reading
    the file again. One checkpoint is kept at a time."""
    _READ_AHEAD.clear()
    _READ_AHEAD[_read_ahead_key(osp.expanduser(filename),
                                map_location)] = checkpoint


def safe_load_from_local(filename, map_location=None):
    """mmengine ``CheckpointLoader`` scheme for local paths, loading safely.

    Mirrors ``mmengine.runner.checkpoint.load_from_local`` (expand ``~``,
    check existence) and loads through :func:`safe_torch_load`, unless the
    same file was just read and checked (:func:`keep_for_next_load`).
    """
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(f'{filename} can not be found.')
    kept = _READ_AHEAD.pop(_read_ahead_key(filename, map_location), None)
    if kept is not None:
        return kept
    return safe_torch_load(filename, map_location=map_location)


def install_safe_checkpoint_loader() -> Callable:
    """Register :func:`safe_load_from_local` for local checkpoint paths.

    mmengine's ``CheckpointLoader`` dispatches on the path prefix; the empty
    prefix is the local-file loader that ``Runner.load_checkpoint`` and
    ``--resume`` use. Registering ours for that prefix is the documented way
    to change how local files load. Idempotent.
    """
    from mmengine.runner.checkpoint import CheckpointLoader
    if CheckpointLoader._schemes.get('') is not safe_load_from_local:
        CheckpointLoader.register_scheme(
            prefixes='', loader=safe_load_from_local, force=True)
    return safe_load_from_local


# mmcv-lite has no compiled ops; mmaction2 imports a transformer brick that
# warns about it on every start although no skeleton model uses it.
warnings.filterwarnings(
    'ignore', message='Fail to import ``MultiScaleDeformableAttention``')

install_drn_placeholder()
skip_vindlu_on_transformers5()
install_safe_checkpoint_loader()
