"""First import of every lsta_mm tool: process set-up that must precede torch.

1. Puts the repository root on ``sys.path`` so the tools run from a checkout.
2. Re-executes the process once (when the program is a script in ``tools/``
   or one of its folders) with glibc malloc settings that stop large
   activation buffers from being unmapped and faulted in again every
   training step (measured on 2-core CPU machines: mmaction2's STGCN
   trained 1.73 -> 2.35 samples/s, STGCN++ 1.08 -> 2.34). glibc reads them
   only at start-up, hence the re-exec; the PID stays, so torchrun and slurm
   keep tracking the process. Values already in the environment win;
   ``LSTA_MALLOC_TUNING=0`` turns this off.

It is also the one helper module of the tools (nothing in it is imported by
the library; it imports torch, mmengine and lsta_mm only inside the
functions, so importing it stays cheap and comes before torch):

* :func:`choose_cpu_threads` / :func:`apply_cpu_threads`: torch threads
  per process from the cores this process may use, the processes the
  launcher starts on the machine and the load other work puts on it
  (``OMP_NUM_THREADS`` wins), printed once;
* :func:`select_dist_backend` replaces ``nccl`` by ``gloo`` where CUDA is
  absent, so ``tools/dist_train.sh CONFIG 2`` runs on a CPU-only machine
  (``LSTA_DIST_BACKEND`` forces a backend); :func:`resolve_work_dir` and
  :func:`shutdown_distributed` as in mmaction2's own tools;
* :func:`apply_reliability_hooks`: configs that do not inherit lsta_mm's
  ``default_runtime.py`` (mmaction2's own configs) get the same crash-safe
  checkpoint hook, strict loading, per-epoch seeding and preemption hook;
* :func:`resume_target` and :func:`preflight_checkpoint`: which checkpoint
  a run will load, checked right after the model is built, before any
  annotation file is read;
* :func:`user_errors`: the error classes whose message is the whole story
  (bad checkpoint, bad annotation file, a checkpoint the disk refused); the
  tools print them without a traceback; :func:`lost_rank_message`: the one
  line a rank prints when a collective fails because another rank died.
"""
import os
import os.path as osp
import re
import sys
from typing import Optional, Sequence, Tuple, Type

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

#: never serve big blocks by mmap; never trim the heap (64 GiB threshold).
MALLOC_SETTINGS = {
    'MALLOC_MMAP_MAX_': '0',
    'MALLOC_TRIM_THRESHOLD_': str(64 * 1024**3),
}


def tune_cpu_allocator():
    if os.environ.get('LSTA_MALLOC_TUNING', '1') == '0':
        return
    # Only when a tool (in tools/ or one of its folders) is the program
    # itself, never when a test or another program imports a tool module
    # (re-executing pytest would be wrong).
    main_file = getattr(sys.modules.get('__main__'), '__file__', None) or ''
    tools_dir = osp.dirname(osp.abspath(__file__))
    if not osp.abspath(main_file).startswith(tools_dir + os.sep):
        return
    if not sys.platform.startswith('linux') or os.environ.get(
            'LSTA_MALLOC_TUNED') == '1':
        return
    os.environ['LSTA_MALLOC_TUNED'] = '1'
    missing = {k: v for k, v in MALLOC_SETTINGS.items() if k not in os.environ}
    if missing:
        os.environ.update(missing)
        os.execv(sys.executable, [sys.executable] + sys.argv)


tune_cpu_allocator()


# ---------------------------------------------------------------------------
# Helpers of tools/train.py, tools/test.py and the other tools
# ---------------------------------------------------------------------------
_CPU_DDP_NOTE = (
    'mmengine 0.10 assumes CUDA when it starts a torchrun process group '
    '(torch.cuda.set_device) and when it wraps the model in DDP '
    '(device_ids=[LOCAL_RANK]); on a CPU-only machine lsta_mm starts the gloo '
    'process group itself and wraps with device_ids=None.')


def choose_cpu_threads(environ=None, cores: Optional[int] = None,
                       load: Optional[float] = None) -> Tuple[int, str]:
    """Torch threads for one process of this job, and why.

    ``OMP_NUM_THREADS`` wins when set (torchrun sets it to 1 for several
    processes). Otherwise the cores this process may run on
    (``sched_getaffinity``: a container's or a slurm job's CPU set) are
    shared by the processes the launcher starts on this machine
    (``LOCAL_WORLD_SIZE``, ``SLURM_NTASKS_PER_NODE``), less the cores that
    other work keeps busy (:func:`busy_cores`, rounded; the job's own other
    processes, starting at the same moment, are not counted): torch's
    default of one thread per core, with another job running, made one
    training step 25-45x slower on a 2-core machine.
    """
    environ = os.environ if environ is None else environ
    given = environ.get('OMP_NUM_THREADS', '')
    if given.strip().isdigit() and int(given) > 0:
        return int(given), 'OMP_NUM_THREADS'
    if cores is None:
        try:
            cores = len(os.sched_getaffinity(0))
        except AttributeError:  # not Linux
            cores = os.cpu_count() or 1
    local = 1
    for key in ('LOCAL_WORLD_SIZE', 'SLURM_NTASKS_PER_NODE'):
        value = environ.get(key, '').split('(')[0]  # slurm: '4(x2)'
        if value.isdigit() and int(value) > 0:
            local = int(value)
            break
    if load is None:
        load = max(0.0, busy_cores() - (local - 1))
    busy = min(cores - 1, int(load + 0.5))
    threads = max(1, (cores - busy) // local)
    reason = (f'{cores} core(s) available, {busy} busy with other work '
              f'(now: {load:.1f}), {local} process(es) of this job on the '
              f'machine')
    return threads, reason


def busy_cores(window: float = 0.3) -> float:
    """Cores of the machine busy while this process sleeps ``window``
    seconds (``/proc/stat``); the 1-minute load average where that file is
    missing. Measured now, not averaged: a job that has just ended does not
    count."""
    import time

    def sample():
        with open('/proc/stat') as handle:
            fields = [int(v) for v in handle.readline().split()[1:]]
        idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
        return sum(fields[:8]), idle

    try:
        total0, idle0 = sample()
        time.sleep(window)
        total1, idle1 = sample()
    except (OSError, ValueError, IndexError):
        try:
            return os.getloadavg()[0]
        except OSError:
            return 0.0
    elapsed = max(total1 - total0, 1)
    share = 1.0 - (idle1 - idle0) / elapsed
    return max(0.0, share) * (os.cpu_count() or 1)


def apply_cpu_threads(quiet: bool = False) -> int:
    """Set torch's threads (and ``OMP_NUM_THREADS`` for child processes)
    to :func:`choose_cpu_threads`; print the choice once per machine."""
    import torch
    threads, reason = choose_cpu_threads()
    torch.set_num_threads(threads)
    os.environ['OMP_NUM_THREADS'] = str(threads)
    if not quiet and os.environ.get('LOCAL_RANK', '0') == '0':
        how = ('set by OMP_NUM_THREADS' if reason == 'OMP_NUM_THREADS' else
               f'{reason}; set OMP_NUM_THREADS to override')
        print(f'[lsta_mm] CPU threads per process: {threads} ({how})',
              file=sys.stderr)
    return threads


def select_dist_backend(cfg) -> Optional[str]:
    """Choose the torch.distributed backend for ``cfg`` in place.

    ``LSTA_DIST_BACKEND`` wins; otherwise ``nccl`` becomes ``gloo`` when CUDA
    is not available. Returns the backend that was set, or None when the
    config has no ``env_cfg.dist_cfg``.
    """
    import torch
    env_cfg = cfg.setdefault('env_cfg', {})
    dist_cfg = env_cfg.setdefault('dist_cfg', {})
    forced = os.environ.get('LSTA_DIST_BACKEND')
    backend = dist_cfg.get('backend', 'nccl')
    if forced:
        backend = forced
    elif backend == 'nccl' and not torch.cuda.is_available():
        backend = 'gloo'
        if cfg.get('launcher', 'none') != 'none':
            print('[lsta_mm] CUDA is not available: using the gloo backend '
                  'for torch.distributed', file=sys.stderr)
    dist_cfg['backend'] = backend
    if (cfg.get('launcher', 'none') != 'none'
            and not torch.cuda.is_available()):
        _prepare_cpu_distributed(cfg, dist_cfg)
    return backend


def _prepare_cpu_distributed(cfg, dist_cfg: dict) -> None:
    """CPU-only DDP under mmengine's Runner; see :data:`_CPU_DDP_NOTE`."""
    from datetime import timedelta

    import torch.distributed as torch_dist
    if cfg.launcher == 'pytorch' and not torch_dist.is_initialized():
        kwargs = {}
        if dist_cfg.get('timeout') is not None:
            kwargs['timeout'] = timedelta(seconds=dist_cfg['timeout'])
        torch_dist.init_process_group(
            backend=dist_cfg['backend'],
            rank=int(os.environ['RANK']),
            world_size=int(os.environ['WORLD_SIZE']),
            **kwargs)
    wrapper = cfg.get('model_wrapper_cfg', None) or dict(
        type='MMDistributedDataParallel',
        broadcast_buffers=False,
        find_unused_parameters=cfg.get('find_unused_parameters', False))
    wrapper['device_ids'] = None
    cfg.model_wrapper_cfg = wrapper


def resolve_work_dir(cfg, config_path: str, work_dir: Optional[str]) -> str:
    """CLI ``--work-dir`` > ``work_dir`` in the config > config file name."""
    if work_dir is not None:
        cfg.work_dir = work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(config_path))[0])
    return cfg.work_dir


def shutdown_distributed() -> None:
    """Wait for every rank, then tear the process group down.

    Without it a gloo rank that finishes first exits while the group's
    threads are still running, and the C++ runtime aborts the process
    (``terminate called without an active exception``), which torchrun
    reports as a failed run although training had finished.
    """
    import torch.distributed as torch_dist
    if torch_dist.is_available() and torch_dist.is_initialized():
        torch_dist.barrier()
        torch_dist.destroy_process_group()


# Scoped names, so they resolve whatever the config's default_scope is.
_PLAIN_CHECKPOINT_HOOKS = ('CheckpointHook', 'mmengine.CheckpointHook')
_ATOMIC = 'mmaction.AtomicCheckpointHook'
_ADDED_HOOKS = dict(
    strict_load=dict(type='mmaction.StrictLoadHook'),
    epoch_seed=dict(type='mmaction.EpochSeedHook'),
    preemption=dict(type='mmaction.PreemptionHook'))


def apply_reliability_hooks(cfg) -> None:
    """Give ``cfg`` lsta_mm's reliability hooks where it lacks them.

    mmengine's plain ``CheckpointHook`` becomes ``AtomicCheckpointHook``
    (same arguments); ``strict_load``, ``epoch_seed`` and ``preemption``
    are added to ``default_hooks`` unless the config names them (``None``
    removes one, as for any default hook).
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
    from mmengine.runner.checkpoint import find_latest_checkpoint
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
    ``runner.model`` (no hook runs); the Runner's own load of the file then
    takes the checkpoint from memory instead of reading it again.
    """
    from lsta_mm.compat import keep_for_next_load
    from lsta_mm.engine.checkpoint_check import (config_streams,
                                                 verify_checkpoint_file)
    checkpoint = verify_checkpoint_file(
        runner.model, filename, allow_mismatch,
        streams=None if allow_mismatch else config_streams(runner.cfg))
    # the Runner's own load of this file (map_location 'cpu' for testing,
    # load_from and a CPU resume) takes it from memory: read once
    keep_for_next_load(filename, 'cpu', checkpoint)


def user_errors() -> Tuple[Type[BaseException], ...]:
    """Errors that carry a complete, user-facing message."""
    from lsta_mm import compat
    from lsta_mm.datasets import AnnotationError
    from lsta_mm.engine import (AtomicWriteError, CheckpointMismatchError,
                                CheckpointWriteError)
    from lsta_mm.safe_pickle import AnnotationFileError, UnsafePickleError
    return (CheckpointMismatchError, compat.CorruptCheckpointError,
            compat.UnsafeCheckpointError, FileNotFoundError, AnnotationError,
            AnnotationFileError, UnsafePickleError, CheckpointWriteError,
            AtomicWriteError)


#: What the error of a collective says when a peer is gone (gloo: "Read
#: error ... Connection reset by peer", "Connection closed by peer", "Timed
#: out waiting ...ms for recv"; NCCL: "NCCL communicator was aborted").
_PEER_LOST_MARKERS = ('Connection reset', 'Connection closed',
                      'Timed out waiting', 'communicator was aborted')


def lost_rank_message(err: BaseException) -> Optional[str]:
    """One line for a collective that failed because a rank is gone.

    None unless a process group is running and ``err`` is torch's
    distributed error or says that a connection to a peer broke or timed
    out (gloo raises a plain ``RuntimeError``). Which rank failed is known
    only to the launcher: torchrun's report names it under "Root Cause".
    """
    import torch.distributed as torch_dist
    if not (torch_dist.is_available() and torch_dist.is_initialized()):
        return None
    text = str(err)
    if not (isinstance(err, getattr(torch_dist, 'DistError', ()))
            or any(marker in text for marker in _PEER_LOST_MARKERS)):
        return None
    # gloo: "[.../pair.cc:537] Read error [addr]: Connection reset by
    # peer. This is typically caused by ..." -> its first sentence
    first = (text.strip().splitlines() or [type(err).__name__])[0]
    first = re.sub(r'^\[[^\]]*\]\s*', '', first).split('. ')[0]
    return (f'rank {torch_dist.get_rank()} of {torch_dist.get_world_size()}: '
            f'a collective operation failed ({first[:200]}): another rank '
            'died or stopped responding (the launcher names it; torchrun: '
            '"Root Cause"). Continue from the last checkpoint with --resume')
