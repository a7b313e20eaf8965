"""Make every checkpoint load of the Runner strict, with a clear message."""
from typing import Sequence

from mmengine.hooks import Hook
from mmengine.runner.checkpoint import find_latest_checkpoint

from lsta_mm.engine.checkpoint_check import (CheckpointMismatchError,
                                             check_fits, check_streams,
                                             config_streams)
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

    It also records the streams the config feeds the model in every
    checkpoint the Runner saves (``meta['streams']``) and refuses to load a
    checkpoint of other streams (a bone checkpoint fits a joint model's
    shapes exactly); with ``allow_mismatch`` set (deliberate fine-tuning)
    that check is skipped. Before a run, a multi-stream model's streams
    must be the ones its data pipeline derives.

    Args:
        allow_mismatch (Sequence[str]): Regular expressions of keys that may
            differ, for deliberate fine-tuning, e.g. ``(r'^cls_head\\.',)``
            to start from a checkpoint with another number of classes.
            Defaults to ``()`` (every key must fit).
    """

    priority = 'VERY_HIGH'

    def __init__(self, allow_mismatch: Sequence[str] = ()):
        self.allow_mismatch = tuple(allow_mismatch)

    def before_run(self, runner) -> None:
        model = getattr(runner.model, 'module', runner.model)
        names = getattr(model, 'stream_names', None)
        fed = config_streams(runner.cfg)
        if names is not None and fed is not None and tuple(names) != fed:
            raise CheckpointMismatchError(
                f'the model has the streams {list(names)} but the data '
                f'pipeline derives {list(fed)}; list the same streams, in '
                f'the same order, in the model and in SkeletonStream')

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        streams = config_streams(runner.cfg)
        if streams is not None:
            checkpoint.setdefault('meta', {})['streams'] = list(streams)

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        filename = _loaded_file(runner)
        check_fits(runner.model, checkpoint, filename, self.allow_mismatch)
        if not self.allow_mismatch:
            check_streams(checkpoint, config_streams(runner.cfg), filename)


def _loaded_file(runner) -> str:
    """The file the Runner loads: ``load_from``, else the latest one."""
    filename = runner.cfg.get('load_from', None)
    if filename is None and runner.cfg.get('resume', False):
        filename = find_latest_checkpoint(runner.work_dir)
    return str(filename) if filename else '(unknown file)'
