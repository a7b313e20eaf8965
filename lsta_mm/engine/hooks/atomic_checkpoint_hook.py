"""CheckpointHook whose checkpoints survive a SIGKILL at any moment."""
import os.path as osp

from mmengine.dist import is_main_process
from mmengine.hooks import CheckpointHook

from lsta_mm.engine.atomic_io import (ATOMIC_BACKEND, atomic_write_text,
                                      remove_stale_temporaries)
from lsta_mm.registry import HOOKS

__all__ = ['AtomicCheckpointHook']


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

    def _save_checkpoint_with_step(self, runner, step, meta):
        outdated = None
        if self.max_keep_ckpts > 0 and not (self.keep_ckpt_ids and
                                            self.keep_ckpt_ids[-1] == step):
            if len(self.keep_ckpt_ids) == self.max_keep_ckpts:
                outdated = self.keep_ckpt_ids.popleft()
            self.keep_ckpt_ids.append(step)
            runner.message_hub.update_info('keep_ckpt_ids',
                                           list(self.keep_ckpt_ids))

        ckpt_filename = self.filename_tmpl.format(step)
        self.last_ckpt = self.file_backend.join_path(self.out_dir,
                                                     ckpt_filename)
        runner.message_hub.update_info('last_ckpt', self.last_ckpt)
        runner.save_checkpoint(
            self.out_dir,
            ckpt_filename,
            self.file_client_args,
            save_optimizer=self.save_optimizer,
            save_param_scheduler=self.save_param_scheduler,
            meta=meta,
            by_epoch=self.by_epoch,
            backend_args=self.backend_args,
            **self.args)

        if not is_main_process():
            return
        # Point at the new checkpoint only now that it is complete.
        atomic_write_text(
            osp.join(runner.work_dir, 'last_checkpoint'), self.last_ckpt)
        if outdated is not None and outdated != step:
            path = self.file_backend.join_path(
                self.out_dir, self.filename_tmpl.format(outdated))
            if self.file_backend.isfile(path):
                self.file_backend.remove(path)
            elif self.file_backend.isdir(path):
                # checkpoints saved by deepspeed are directories
                self.file_backend.rmtree(path)
