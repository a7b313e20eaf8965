"""Stop at a scheduler's SIGTERM with a checkpoint that resumes exactly."""
import random
import signal
import threading
from typing import List, Optional, Sequence

import numpy as np
import torch
import torch.distributed as torch_dist
from mmengine.dist import get_rank, get_world_size
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmengine.runner import EpochBasedTrainLoop

from lsta_mm.engine.hooks.atomic_checkpoint_hook import AtomicCheckpointHook
from lsta_mm.registry import HOOKS

__all__ = ['PREEMPTED_EXIT_STATUS', 'PreemptionHook', 'TrainingPreempted']

#: Exit status of a training process stopped by :class:`PreemptionHook`
#: after it saved its checkpoint: ``EX_TEMPFAIL`` of sysexits.h, "try
#: again later" (rerun the same command with ``--resume``).
PREEMPTED_EXIT_STATUS = 75
#: Key of the checkpoint entry this hook adds (per-rank generator states
#: and model buffers).
CHECKPOINT_KEY = 'preemption'


class TrainingPreempted(SystemExit):
    """Raised by :class:`PreemptionHook` once the checkpoint is written;
    exits the process with :data:`PREEMPTED_EXIT_STATUS`."""


def _rng_state() -> dict:
    state = dict(
        python=random.getstate(),
        numpy=np.random.get_state(),
        torch=torch.get_rng_state())
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        state['cuda'] = torch.cuda.get_rng_state_all()
    return state


def _rank_state(runner) -> dict:
    """What differs between ranks inside an epoch: the generators, and the
    model buffers (BatchNorm statistics; mmengine's ``SyncBuffersHook``
    averages them only at the epoch's end)."""
    model = runner.model.module if is_model_wrapper(
        runner.model) else runner.model
    buffers = {
        name: buffer.detach().cpu()
        for name, buffer in model.named_buffers()
    }
    return dict(rng=_rng_state(), buffers=buffers)


def _set_rng_state(state: dict) -> None:
    random.setstate(state['python'])
    np.random.set_state(state['numpy'])
    torch.set_rng_state(state['torch'])
    if 'cuda' in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state['cuda'])


class _SkipTrainedBatches:
    """Takes the place of ``loop.run_iter`` while a resumed epoch passes the
    batches trained before the checkpoint.

    The batches are drawn (the sampler order and the workers' random
    streams then match the interrupted run) but not trained, as mmengine's
    ``IterBasedTrainLoop`` does on resume. After the last of them the
    generators get the state they had when the checkpoint was written and
    the loop's own ``run_iter`` is back, so the batch indices the hooks see
    are those of the interrupted run.
    """

    def __init__(self, loop, done: int, rng_state: Optional[dict]):
        self.loop = loop
        self.done = done
        self.rng_state = rng_state

    def __call__(self, idx: int, data_batch) -> None:
        if idx + 1 < self.done:
            return
        self.restore()

    def restore(self) -> None:
        self.loop.__dict__.pop('run_iter', None)  # the class's method again
        if self.rng_state is not None:
            _set_rng_state(self.rng_state)
            self.rng_state = None


@HOOKS.register_module()
class PreemptionHook(Hook):
    """On SIGTERM, finish the iteration, save, and exit with status 75.

    Schedulers (slurm, Kubernetes, most clouds) send SIGTERM some time
    before they kill a job. The signal handler only records it; after the
    current training iteration (and every other hook's work for it) all
    ranks agree to stop, the checkpoint is written through
    :meth:`AtomicCheckpointHook.save_preempted` (``preempted_iter_N.pth``,
    atomic, ``last_checkpoint`` pointed at it), and every process exits
    with :data:`PREEMPTED_EXIT_STATUS` (75).

    ``--resume`` then continues inside the interrupted epoch: the batches
    already trained are drawn again but skipped, and Python's, numpy's and
    torch's generators and the model buffers (BatchNorm statistics) get
    back the state each rank had when it stopped (stored in the
    checkpoint), so with an ``EpochBasedTrainLoop`` the resumed run ends
    bit-identical to an uninterrupted one (tested with 1 and 2 processes). With
    an ``IterBasedTrainLoop`` mmengine itself skips the trained batches;
    the generator states are not restored there.

    DataLoader workers started by ``fork`` (lsta_mm's default
    ``mp_start_method``) inherit the handler, so a SIGTERM sent to the
    whole process tree (slurm does) does not kill them under the main
    process.

    Args:
        signals (Sequence[str]): Signals that request the stop.
            Defaults to ``('SIGTERM',)``; add e.g. ``'SIGUSR1'`` when the
            scheduler is configured to send that.
        exit_status (int): Exit status after the save. Defaults to
            :data:`PREEMPTED_EXIT_STATUS`.
    """

    priority = 'LOWEST'  # after the iteration's logging and scheduler steps

    def __init__(self,
                 signals: Sequence[str] = ('SIGTERM', ),
                 exit_status: int = PREEMPTED_EXIT_STATUS):
        unknown = [
            name for name in signals if
            not isinstance(getattr(signal, str(name), None), signal.Signals)
        ]
        if unknown:
            raise ValueError(f'PreemptionHook: unknown signal(s) {unknown}; '
                             "use names such as 'SIGTERM' or 'SIGUSR1'")
        self.signals = [getattr(signal, name) for name in signals]
        self.exit_status = exit_status
        self._received: Optional[int] = None
        self._previous = {}
        self._group = None
        self._rank_states: Optional[List[dict]] = None
        self._resumed_state: Optional[dict] = None
        self._resumed = False

    # -- the signal ---------------------------------------------------------
    def _on_signal(self, signum, frame) -> None:
        # a signal handler only records: the iteration it interrupted
        # finishes first
        self._received = signum

    def before_train(self, runner) -> None:
        self._received = None
        if threading.current_thread() is not threading.main_thread():
            runner.logger.warning(
                'PreemptionHook: training runs outside the main thread, '
                'where Python cannot install signal handlers; a SIGTERM '
                'will stop it without a checkpoint.')
            return
        for signum in self.signals:
            self._previous[signum] = signal.signal(signum, self._on_signal)
        if get_world_size() > 1:
            # the per-iteration vote runs on CPU even beside NCCL, so it
            # never waits for the GPU
            self._group = torch_dist.new_group(backend='gloo')

    def after_train(self, runner) -> None:
        self._restore_handlers()

    def _restore_handlers(self) -> None:
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)
        self._previous = {}

    def _stop_requested(self) -> bool:
        """True on every rank when a signal reached any rank."""
        if self._group is None:
            return self._received is not None
        flag = torch.tensor([int(self._received is not None)])
        torch_dist.all_reduce(flag, torch_dist.ReduceOp.MAX, group=self._group)
        return bool(flag.item())

    def after_train_iter(self,
                         runner,
                         batch_idx: int,
                         data_batch=None,
                         outputs=None) -> None:
        if not self._stop_requested():
            return
        checkpoint_hook = next(
            (h for h in runner.hooks if isinstance(h, AtomicCheckpointHook)),
            None)
        if checkpoint_hook is None:
            raise RuntimeError(
                'PreemptionHook needs default_hooks.checkpoint to be an '
                'AtomicCheckpointHook (or mmengine CheckpointHook, which '
                "lsta_mm's tools/train.py replaces by it)")
        # every rank's own state, for the resumed run (rank 0 saves)
        if self._group is None:
            self._rank_states = [_rank_state(runner)]
        else:
            self._rank_states = [None] * get_world_size()
            torch_dist.all_gather_object(
                self._rank_states, _rank_state(runner), group=self._group)
        path = checkpoint_hook.save_preempted(runner)
        self._rank_states = None
        if self._group is not None:
            torch_dist.barrier(group=self._group)  # the file is complete
        name = signal.Signals(self._received).name if self._received else (
            'a stop request of another rank')
        runner.logger.info(
            f'Received {name}: saved {path} after iteration '
            f'{runner.iter + 1} (epoch {runner.epoch + 1}, batch '
            f'{batch_idx + 1}); exiting with status {self.exit_status}. '
            'Continue with --resume.')
        self._restore_handlers()
        if torch_dist.is_available() and torch_dist.is_initialized():
            # a gloo rank that exits while the group's threads run aborts
            torch_dist.destroy_process_group()
        raise TrainingPreempted(self.exit_status)

    # -- the checkpoint -----------------------------------------------------
    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        if self._rank_states is not None:
            checkpoint[CHECKPOINT_KEY] = dict(ranks=self._rank_states)

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        """Called before the Runner loads ``checkpoint`` into the model: a
        rank other than 0 swaps in its own buffers here."""
        ranks = checkpoint.get(CHECKPOINT_KEY, {}).get('ranks')
        self._resumed_state = None
        if ranks is None:
            return
        if len(ranks) != get_world_size():
            runner.logger.warning(
                f'The checkpoint was saved by {len(ranks)} processes, this '
                f'run has {get_world_size()}: the random generators and '
                'per-rank buffers are not restored, so the resumed run will '
                'not repeat the interrupted one exactly.')
            return
        own = ranks[get_rank()]
        self._resumed_state = own['rng']
        state_dict = checkpoint['state_dict']
        for name, buffer in own['buffers'].items():
            if name in state_dict:  # persistent buffers only
                state_dict[name] = buffer

    def before_train_epoch(self, runner) -> None:
        state, self._resumed_state = self._resumed_state, None
        if self._resumed:
            return  # only the first epoch of a run can be a resumed one
        self._resumed = True
        loop = runner.train_loop
        if not isinstance(loop, EpochBasedTrainLoop):
            return  # mmengine's IterBasedTrainLoop skips by itself
        done = runner.iter - runner.epoch * len(loop.dataloader)
        if done <= 0:
            return  # a fresh start, or a checkpoint saved at an epoch end
        runner.logger.info(
            f'Resuming inside epoch {runner.epoch + 1}: skipping its first '
            f'{done} batches, which were trained before the checkpoint.')
        loop.run_iter = _SkipTrainedBatches(loop, done, state)

    def after_train_epoch(self, runner) -> None:
        skipping = runner.train_loop.__dict__.get('run_iter')
        if isinstance(skipping, _SkipTrainedBatches):
            skipping.restore()  # the epoch had fewer batches than skipped
