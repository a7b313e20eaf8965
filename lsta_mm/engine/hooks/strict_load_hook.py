"""Make every checkpoint load of the Runner strict, with a clear message."""
from typing import Sequence

from mmengine.hooks import Hook
from mmengine.runner.checkpoint import find_latest_checkpoint

from lsta_mm.engine.checkpoint_check import check_fits
from lsta_mm.registry import HOOKS

__all__ = ['StrictLoadHook']


@HOOKS.register_module()
class StrictLoadHook(Hook):
    """Refuse checkpoints that do not fit the model (``load_from``, resume).

    mmengine's Runner loads with ``strict=False`` and only logs the keys
    it skipped. ``Runner.load_checkpoint`` calls ``after_load_checkpoint``
    with the loaded checkpoint *before* copying it into the model; this
    hook compares the two there and raises
    :class:`~lsta_mm.engine.checkpoint_check.CheckpointMismatchError`
    listing missing keys, unexpected keys and shape mismatches.

    Args:
        allow_mismatch (Sequence[str]): Regular expressions of keys that may
            differ, for deliberate fine-tuning, e.g. ``(r'^cls_head\\.',)``
            to start from a checkpoint with another number of classes.
            Defaults to ``()`` (every key must fit).
    """

    priority = 'VERY_HIGH'

    def __init__(self, allow_mismatch: Sequence[str] = ()):
        self.allow_mismatch = tuple(allow_mismatch)

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        check_fits(runner.model, checkpoint, _loaded_file(runner),
                   self.allow_mismatch)


def _loaded_file(runner) -> str:
    """The file the Runner loads: ``load_from``, else the latest one."""
    filename = runner.cfg.get('load_from', None)
    if filename is None and runner.cfg.get('resume', False):
        filename = find_latest_checkpoint(runner.work_dir)
    return str(filename) if filename else '(unknown file)'
