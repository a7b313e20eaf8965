"""Helpers shared by the command-line entry points in ``tools/``.

They hold no model code: they only adjust the process and the config the
way mmaction2's own ``tools/train.py`` / ``tools/test.py`` would, plus two
things those scripts lack on CPU machines:

* ``tools/_bootstrap.py`` (imported first by every tool, before torch)
  re-executes the process with faster glibc malloc settings on CPU.
* :func:`select_dist_backend` replaces ``nccl`` by ``gloo`` where CUDA is
  absent, so ``tools/dist_train.sh CONFIG 2`` runs on a CPU-only machine.
  ``LSTA_DIST_BACKEND`` forces a backend.
"""
import os
import os.path as osp
import sys
from typing import Optional

__all__ = ['select_dist_backend', 'resolve_work_dir', 'shutdown_distributed']

_CPU_DDP_NOTE = (
    'mmengine 0.10 assumes CUDA when it starts a torchrun process group '
    '(torch.cuda.set_device) and when it wraps the model in DDP '
    '(device_ids=[LOCAL_RANK]); on a CPU-only machine lsta_mm starts the gloo '
    'process group itself and wraps with device_ids=None.')


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
