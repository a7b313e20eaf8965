"""What ``tools/train.py`` and ``tools/test.py`` add to mmengine's Runner.

* :func:`apply_reliability_hooks`: configs that do not inherit lsta_mm's
  ``default_runtime.py`` (mmaction2's own configs) get the same crash-safe
  checkpoint hook, strict loading and per-epoch seeding.
* :func:`preflight_checkpoint`: load and check the checkpoint right after
  the model is built, before any annotation file is read.
* :func:`user_errors`: the error classes whose message is the whole story
  (bad checkpoint, bad annotation file); the tools print them without a
  traceback.
"""
import os
import os.path as osp
import re
from typing import Optional, Sequence, Tuple, Type

from mmengine.runner.checkpoint import find_latest_checkpoint

from lsta_mm.engine.checkpoint_check import (CheckpointMismatchError,
                                             verify_checkpoint_file)

__all__ = [
    'apply_reliability_hooks', 'preflight_checkpoint', 'resume_target',
    'strict_load_allowance', 'user_errors'
]

# Scoped names, so they resolve whatever the config's default_scope is.
_PLAIN_CHECKPOINT_HOOKS = ('CheckpointHook', 'mmengine.CheckpointHook')
_ATOMIC = 'mmaction.AtomicCheckpointHook'
_ADDED_HOOKS = dict(
    strict_load=dict(type='mmaction.StrictLoadHook'),
    epoch_seed=dict(type='mmaction.EpochSeedHook'))


def apply_reliability_hooks(cfg) -> None:
    """Give ``cfg`` lsta_mm's reliability hooks where it lacks them.

    mmengine's plain ``CheckpointHook`` becomes ``AtomicCheckpointHook``
    (same arguments); ``strict_load`` and ``epoch_seed`` are added to
    ``default_hooks`` unless the config names them (``None`` removes one,
    as for any default hook).
    """
    hooks = cfg.setdefault('default_hooks', {})
    checkpoint = hooks.get('checkpoint', None)
    if checkpoint is not None and checkpoint.get(
            'type', None) in _PLAIN_CHECKPOINT_HOOKS:
        checkpoint['type'] = _ATOMIC
    for name, hook in _ADDED_HOOKS.items():
        if name not in hooks:
            hooks[name] = dict(hook)
    for name in [n for n, h in hooks.items() if h is None]:
        # mmengine drops a default hook set to None only if it is one of
        # its own defaults; drop ours here.
        if name in _ADDED_HOOKS:
            hooks.pop(name)


def strict_load_allowance(cfg) -> Tuple[str, ...]:
    """``allow_mismatch`` of the config's ``strict_load`` hook, if any."""
    hook = cfg.get('default_hooks', {}).get('strict_load', None) or {}
    return tuple(hook.get('allow_mismatch', ()))


def _newest_checkpoint(work_dir: str) -> Optional[str]:
    """``epoch_N.pth`` / ``iter_N.pth`` of ``work_dir`` with the largest
    N (epochs before iterations never mix in one run), or None."""
    steps = []
    for name in os.listdir(work_dir):
        match = re.fullmatch(r'(?:epoch|iter)_(\d+)\.pth', name)
        if match:
            steps.append((int(match.group(1)), osp.join(work_dir, name)))
    return max(steps)[1] if steps else None


def resume_target(cfg) -> Optional[str]:
    """The checkpoint a training run built from ``cfg`` will load.

    With ``resume`` and no ``load_from`` this is the file that the work
    dir's ``last_checkpoint`` names. mmengine writes that pointer as the
    path the run saw, so in a copied or moved work dir it still names the
    original run's file; when the work dir holds a file of the same name,
    that one is returned instead (a pointer to another folder is kept only
    when the work dir has no such file, as with ``CheckpointHook.out_dir``).

    Raises:
        FileNotFoundError: ``last_checkpoint`` names a file that is gone.
    """
    if cfg.get('resume', False) and cfg.get('load_from', None) is None:
        latest = find_latest_checkpoint(cfg.work_dir)
        if latest == '':
            # a kill while mmengine rewrote the pointer in place (the
            # checkpoint it was to name is complete): the newest one
            latest = _newest_checkpoint(cfg.work_dir)
        if latest is not None:
            local = osp.join(cfg.work_dir, osp.basename(latest))
            if (osp.realpath(osp.dirname(latest)) != osp.realpath(
                    cfg.work_dir) and osp.isfile(local)):
                return local
        if latest is not None and not osp.isfile(latest):
            raise FileNotFoundError(
                f'{osp.join(cfg.work_dir, "last_checkpoint")} names '
                f'{latest}, which does not exist; pass --resume PATH with '
                f'an existing checkpoint')
        return latest
    return cfg.get('load_from', None)


def preflight_checkpoint(
        runner,
        filename: str,
        allow_mismatch: Sequence[str] = (),
) -> None:
    """Fail fast on a missing, truncated, unsafe or misfitting checkpoint.

    Loads ``filename`` with lsta_mm's safe loader and compares it with
    ``runner.model`` (no hook runs; the Runner loads it again later).
    """
    verify_checkpoint_file(runner.model, filename, allow_mismatch)


def user_errors() -> Tuple[Type[BaseException], ...]:
    """Errors that carry a complete, user-facing message."""
    from lsta_mm import compat, datasets
    errors = [
        CheckpointMismatchError, compat.CorruptCheckpointError,
        compat.UnsafeCheckpointError, FileNotFoundError
    ]
    for name in ('AnnotationError', 'AnnotationFileError',
                 'UnsafePickleError'):
        error = getattr(datasets, name, None)
        if error is None:
            error = getattr(getattr(datasets, 'safe_pickle', None), name, None)
        if isinstance(error, type):
            errors.append(error)
    return tuple(errors)
