"""CheckpointHook whose checkpoints survive a SIGKILL, a full disk and a
preemption."""
import os.path as osp
import re
from contextlib import contextmanager

from mmengine.dist import is_main_process
from mmengine.hooks import CheckpointHook

from lsta_mm.engine.atomic_io import (ATOMIC_BACKEND, AtomicWriteError,
                                      atomic_write_text,
                                      remove_stale_temporaries)
from lsta_mm.registry import HOOKS

__all__ = ['AtomicCheckpointHook', 'CheckpointWriteError', 'PREEMPTED_TMPL']

#: Name of the checkpoint a preempted run writes after ``N`` iterations.
PREEMPTED_TMPL = 'preempted_iter_{}.pth'
_PREEMPTED_RE = re.compile(r'preempted_iter_\d+\.pth')


class CheckpointWriteError(RuntimeError):
    """A checkpoint could not be written (full disk, quota, I/O error).

    The message names the file, the reason and the checkpoint that
    ``last_checkpoint`` still names.
    """


@HOOKS.register_module()
class AtomicCheckpointHook(CheckpointHook):
    """mmengine's ``CheckpointHook`` with crash-safe writes.

    Takes exactly the arguments of ``CheckpointHook``. What changed, and
    why (mmengine 0.10.7 behaviour in brackets):

    1. Checkpoints (periodic, last and best) are written through
       :class:`~lsta_mm.engine.atomic_io.AtomicLocalBackend`: a temporary
       file that is renamed over the final name once complete [written in
       place, so a kill leaves a truncated ``epoch_k.pth``]. Only when
       neither ``backend_args`` nor ``file_client_args`` is given; a remote
       backend keeps its own semantics.
    2. ``last_checkpoint`` is replaced atomically and only after the
       checkpoint it names is complete [rewritten in place].
    3. With ``max_keep_ckpts`` the outdated checkpoint is deleted after the
       new one and ``last_checkpoint`` are in place [deleted before the new
       one is written: with ``max_keep_ckpts=1`` a kill during the save left
       ``last_checkpoint`` naming a deleted file].
    4. Temporary files of killed runs are removed when training starts.
    5. A write that fails (``ENOSPC``) removes its partial file, leaves the
       previous checkpoint and ``last_checkpoint`` as they were, and stops
       training with a :class:`CheckpointWriteError` that says so [the
       truncated file stayed under the final name].
    6. :meth:`save_preempted` writes the mid-epoch checkpoint of
       :class:`~lsta_mm.engine.hooks.PreemptionHook` the same way; the next
       regular checkpoint supersedes it and deletes it.

    Hence ``--resume`` (which reads ``last_checkpoint``) always finds a
    complete checkpoint, or none.
    """

    def __init__(self,
                 *args,
                 backend_args=None,
                 file_client_args=None,
                 **kwargs):
        if backend_args is None and file_client_args is None:
            backend_args = dict(backend=ATOMIC_BACKEND)
        super().__init__(
            *args,
            backend_args=backend_args,
            file_client_args=file_client_args,
            **kwargs)

    def before_train(self, runner) -> None:
        super().before_train(runner)
        if is_main_process() and osp.isdir(self.out_dir):
            for path in remove_stale_temporaries(self.out_dir):
                runner.logger.info(
                    f'Removed {path}, a checkpoint a killed run did not '
                    'finish writing.')

    def save_preempted(self, runner) -> str:
        """Save the state after the current training iteration now.

        Written as :data:`PREEMPTED_TMPL` (``preempted_iter_N.pth``, N
        iterations done) with ``meta.epoch`` the unfinished epoch, so
        ``--resume`` continues inside that epoch; ``last_checkpoint`` is
        pointed at it, and an older preemption checkpoint is deleted. Call
        it on every rank (as the Runner calls hooks); only the main process
        writes.

        Returns:
            str: The checkpoint's path.
        """
        filename = PREEMPTED_TMPL.format(runner.iter + 1)
        self.last_ckpt = self.file_backend.join_path(self.out_dir, filename)
        runner.message_hub.update_info('last_ckpt', self.last_ckpt)
        with self._write_errors(runner):
            # by_epoch=False: meta = (current epoch, iterations done)
            runner.save_checkpoint(
                self.out_dir,
                filename,
                self.file_client_args,
                save_optimizer=self.save_optimizer,
                save_param_scheduler=self.save_param_scheduler,
                by_epoch=False,
                backend_args=self.backend_args,
                **self.args)
            if is_main_process():
                atomic_write_text(
                    osp.join(runner.work_dir, 'last_checkpoint'),
                    self.last_ckpt)
        if is_main_process():
            self._remove_preempted(keep=filename)
        return self.last_ckpt

    def after_train_epoch(self, runner) -> None:
        with self._saving(runner, runner.epoch + 1):
            super().after_train_epoch(runner)

    def after_val_epoch(self, runner, metrics) -> None:
        with self._write_errors(runner):  # the best checkpoint
            super().after_val_epoch(runner, metrics)

    def after_train_iter(self,
                         runner,
                         batch_idx: int,
                         data_batch=None,
                         outputs=None) -> None:
        with self._saving(runner, runner.iter + 1):
            super().after_train_iter(runner, batch_idx, data_batch, outputs)

    @contextmanager
    def _saving(self, runner, step: int):
        """Let mmengine save step ``step`` (if it is due) with its own
        clean-up of outdated checkpoints off; then point
        ``last_checkpoint`` at the new file atomically, and only then
        delete the checkpoint that left the ``max_keep_ckpts`` window.

        mmengine's saving code itself runs unchanged (nothing of it is
        copied here): hiding ``max_keep_ckpts`` from it for the call is
        what moves the deletion after the save.
        """
        keep = self.max_keep_ckpts
        self.max_keep_ckpts = -1
        try:
            with self._write_errors(runner):
                yield
        finally:
            self.max_keep_ckpts = keep
        new = self.file_backend.join_path(self.out_dir,
                                          self.filename_tmpl.format(step))
        if self.last_ckpt != new:
            return  # not due at this step
        if is_main_process():
            # mmengine rewrote the file in place; make the final state
            # atomic (a kill in between leaves an empty pointer, which
            # resume_target reads as "the newest checkpoint")
            with self._write_errors(runner):
                atomic_write_text(
                    osp.join(runner.work_dir, 'last_checkpoint'),
                    self.last_ckpt)
            self._remove_preempted()
        if keep <= 0 or (self.keep_ckpt_ids
                         and self.keep_ckpt_ids[-1] == step):
            return  # no window, or this step is in it already
        outdated = (
            self.keep_ckpt_ids.popleft()
            if len(self.keep_ckpt_ids) == keep else None)
        self.keep_ckpt_ids.append(step)
        runner.message_hub.update_info('keep_ckpt_ids',
                                       list(self.keep_ckpt_ids))
        if outdated is None or outdated == step or not is_main_process():
            return
        path = self.file_backend.join_path(self.out_dir,
                                           self.filename_tmpl.format(outdated))
        if self.file_backend.isfile(path):
            self.file_backend.remove(path)
        elif self.file_backend.isdir(path):
            # checkpoints saved by deepspeed are directories
            self.file_backend.rmtree(path)

    def _remove_preempted(self, keep: str = '') -> None:
        """Delete the preemption checkpoints that a newer checkpoint (named
        by ``last_checkpoint``) superseded; ``keep`` is that one's name."""
        for name in list(
                self.file_backend.list_dir_or_file(
                    self.out_dir, list_dir=False, suffix='.pth')):
            if name != keep and _PREEMPTED_RE.fullmatch(name):
                self.file_backend.remove(
                    self.file_backend.join_path(self.out_dir, name))

    @contextmanager
    def _write_errors(self, runner):
        """Turn a failed write into one :class:`CheckpointWriteError`."""
        try:
            yield
        except AtomicWriteError as err:
            pointer = osp.join(runner.work_dir, 'last_checkpoint')
            named = 'no checkpoint (there is no last_checkpoint)'
            if osp.isfile(pointer):
                with open(pointer) as handle:
                    named = handle.read().strip() or 'no checkpoint'
            raise CheckpointWriteError(
                f'{err}. last_checkpoint still names {named}: free space, '
                'then continue with --resume') from err
