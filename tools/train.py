"""Train an lsta_mm (or any mmaction2) config with mmengine's Runner.

Same flags as mmaction2's ``tools/train.py``. On top of it: the plugin is
imported (so safe checkpoint loading is active even for configs that lack
``custom_imports``), ``gloo`` replaces ``nccl`` without CUDA, and CPU runs
get the faster malloc settings (``LSTA_MALLOC_TUNING=0`` to opt out).
Checkpoints are written atomically, every checkpoint load is strict (a
checkpoint of another architecture or class count is refused with the list
of misfitting keys, before any data is read), and the random generators are
reseeded from (seed, epoch) at each epoch, so a run killed at any moment and
restarted with ``--resume`` ends with the same weights as an uninterrupted
one (see ``docs/troubleshooting.md``).

Exit status: 0 when training finished; 1 on an error (one ``[lsta_mm]
error:`` line for bad input, a full disk, or a rank that lost another
rank); 75 after a SIGTERM (preemption): the current iteration finished and
``preempted_iter_N.pth`` was saved; rerun with ``--resume``.

Examples:
    python tools/train.py configs/lsta_ntu60_xsub_joint.py
    python tools/train.py CONFIG --resume              # latest in work_dir
    python tools/train.py CONFIG --resume path/epoch_3.pth
    python tools/train.py CONFIG --cfg-options train_dataloader.batch_size=8
    bash tools/dist_train.sh CONFIG 4 --auto-scale-lr
"""
import _bootstrap  # noqa: F401,I001  (must precede torch: malloc, sys.path)
import argparse
import os

from mmengine.config import Config, DictAction  # noqa: E402
from mmengine.runner import Runner  # noqa: E402

import lsta_mm  # noqa: E402,F401  (registers components, safe loading)
from _bootstrap import (  # noqa: E402
    apply_cpu_threads, apply_reliability_hooks, lost_rank_message,
    preflight_checkpoint, resolve_work_dir, resume_target,
    select_dist_backend, shutdown_distributed, strict_load_allowance,
    user_errors)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Train an action recognizer (lsta_mm / mmaction2)')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='where logs and checkpoints go')
    parser.add_argument(
        '--resume',
        nargs='?',
        type=str,
        const='auto',
        help='resume from this checkpoint; without a path, from the latest '
        'checkpoint in the work directory')
    parser.add_argument(
        '--amp', action='store_true', help='automatic mixed precision')
    parser.add_argument(
        '--no-validate',
        action='store_true',
        help='do not evaluate checkpoints during training')
    parser.add_argument(
        '--auto-scale-lr',
        action='store_true',
        help='scale lr by (world size x batch per GPU) / '
        'auto_scale_lr.base_batch_size')
    parser.add_argument('--seed', type=int, default=None, help='random seed')
    parser.add_argument(
        '--diff-rank-seed',
        action='store_true',
        help='use a different seed on every rank')
    parser.add_argument(
        '--deterministic',
        action='store_true',
        help='deterministic algorithms (cuDNN and torch)')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config entries, e.g. train_cfg.max_epochs=5 '
        'optim_wrapper.optimizer.lr=0.01')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args(argv)
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def merge_args(cfg, args):
    """Apply the command-line flags to ``cfg`` (mmaction2's semantics)."""
    if args.no_validate:
        cfg.val_cfg = None
        cfg.val_dataloader = None
        cfg.val_evaluator = None
    cfg.launcher = args.launcher
    resolve_work_dir(cfg, args.config, args.work_dir)
    if args.amp:
        wrapper = cfg.optim_wrapper.get('type', 'OptimWrapper')
        if wrapper not in ('OptimWrapper', 'AmpOptimWrapper'):
            raise SystemExit(f'--amp needs OptimWrapper or AmpOptimWrapper, '
                             f'the config uses {wrapper}')
        cfg.optim_wrapper.type = 'AmpOptimWrapper'
        cfg.optim_wrapper.setdefault('loss_scale', 'dynamic')
    if args.resume == 'auto':
        cfg.resume = True
        cfg.load_from = None
    elif args.resume is not None:
        cfg.resume = True
        cfg.load_from = args.resume
    if args.auto_scale_lr:
        if 'auto_scale_lr' not in cfg:
            raise SystemExit('--auto-scale-lr needs auto_scale_lr.'
                             'base_batch_size in the config')
        cfg.auto_scale_lr.enable = True
    if cfg.get('randomness', None) is None:
        cfg.randomness = dict(
            seed=args.seed,
            diff_rank_seed=args.diff_rank_seed,
            deterministic=args.deterministic)
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    apply_reliability_hooks(cfg)
    select_dist_backend(cfg)
    return cfg


def main(argv=None):
    args = parse_args(argv)
    cfg = merge_args(Config.fromfile(args.config), args)
    apply_cpu_threads()
    try:
        checkpoint = resume_target(cfg)
        if cfg.get('resume', False) and checkpoint is not None:
            cfg.load_from = checkpoint  # this work dir's file, not a copy's
        if 'runner_type' in cfg:
            from mmaction.registry import RUNNERS
            runner = RUNNERS.build(cfg)
        else:
            runner = Runner.from_cfg(cfg)
        if checkpoint is not None:
            # a resumed checkpoint comes from this very model: no allowance
            allow = () if cfg.resume else strict_load_allowance(cfg)
            preflight_checkpoint(runner, checkpoint, allow)
        runner.train()
    except user_errors() as err:
        raise SystemExit(f'[lsta_mm] error: {err}') from None
    except Exception as err:
        message = lost_rank_message(err)
        if message is None:
            raise
        raise SystemExit(f'[lsta_mm] error: {message}') from None
    shutdown_distributed()


if __name__ == '__main__':
    main()
