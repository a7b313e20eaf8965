"""Soak test: does the training process leak memory over epochs?

Trains CONFIG (default: the demo, ``configs/lsta_demo_joint.py``) for
``--epochs`` epochs with ``num_workers`` dataloader workers kept alive
across epochs (``persistent_workers=True``), as a long real run would, and
records the resident memory (RSS) of the main process at the end of every
training epoch (:class:`lsta_mm.engine.ResidentMemoryHook`). The first
epoch warms caches and allocator pools, so growth is reported from epoch
``--from-epoch`` (2) to the last; the check passes when it stays below
``--max-growth`` percent (10).

Examples:
    python tools/data/gen_synthetic_ntu.py --out data/demo/ntu_demo_3d.pkl
    python tools/analysis/soak.py
    python tools/analysis/soak.py configs/lsta_demo_joint.py --epochs 5 \\
        --num-workers 2 --out work_dirs/soak/soak.json

Exit status 1 when the growth is above ``--max-growth``.
"""
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
import _bootstrap  # noqa: E402,F401,I001  (sys.path, malloc: before torch)
import argparse  # noqa: E402
import json  # noqa: E402

from mmengine.config import Config, DictAction  # noqa: E402
from mmengine.runner import Runner  # noqa: E402

import lsta_mm  # noqa: E402,F401
from lsta_mm.engine import ResidentMemoryHook  # noqa: E402
from _bootstrap import (  # noqa: E402
    apply_reliability_hooks, select_dist_backend)

DEFAULT_CONFIG = 'configs/lsta_demo_joint.py'


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', nargs='?', default=DEFAULT_CONFIG)
    parser.add_argument('--epochs', type=int, default=5)
    parser.add_argument('--num-workers', type=int, default=2)
    parser.add_argument(
        '--from-epoch',
        type=int,
        default=2,
        help='growth is measured from the end of this epoch to the last')
    parser.add_argument(
        '--max-growth',
        type=float,
        default=10.0,
        help='largest acceptable RSS growth in percent')
    parser.add_argument(
        '--no-validate', action='store_true', help='skip validation')
    parser.add_argument('--work-dir', default='work_dirs/soak')
    parser.add_argument('--out', help='write the records to this .json')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config entries')
    return parser.parse_args(argv)


def soak_config(args):
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    cfg.work_dir = args.work_dir
    cfg.launcher = 'none'
    cfg.train_cfg.max_epochs = args.epochs
    loaders = ['train_dataloader']
    if args.no_validate:
        cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    else:
        cfg.train_cfg.val_interval = 1
        loaders.append('val_dataloader')
    for name in loaders:
        cfg[name].num_workers = args.num_workers
        cfg[name].persistent_workers = args.num_workers > 0
    ann_file = cfg.train_dataloader.dataset.get('ann_file', None)
    if ann_file and not osp.isfile(ann_file):
        raise SystemExit(
            f'annotation file {ann_file} does not exist; for the demo run '
            f'python tools/data/gen_synthetic_ntu.py --out {ann_file}')
    apply_reliability_hooks(cfg)
    select_dist_backend(cfg)
    return cfg


def growth_percent(records, from_epoch):
    """RSS growth (percent) from the end of ``from_epoch`` to the last."""
    rss = dict(records)
    first, last = rss[from_epoch], records[-1][1]
    return 100.0 * (last - first) / first


def main(argv=None):
    args = parse_args(argv)
    if not 1 <= args.from_epoch < args.epochs:
        raise SystemExit('--from-epoch must lie in [1, --epochs)')
    runner = Runner.from_cfg(soak_config(args))
    monitor = ResidentMemoryHook()
    runner.register_hook(monitor)
    runner.train()

    growth = growth_percent(monitor.records, args.from_epoch)
    print(f'\n{"epoch":>5}  {"RSS (MiB)":>9}')
    for epoch, rss in monitor.records:
        print(f'{epoch:>5}  {rss / 2**20:9.1f}')
    verdict = 'PASS' if growth < args.max_growth else 'FAIL'
    print(f'main-process RSS growth epoch {args.from_epoch} -> '
          f'{monitor.records[-1][0]}: {growth:+.2f}% (limit '
          f'{args.max_growth:.0f}%): {verdict}')
    if args.out:
        with open(args.out, 'w') as handle:
            json.dump(
                dict(
                    config=args.config,
                    num_workers=args.num_workers,
                    persistent_workers=args.num_workers > 0,
                    rss_bytes={str(e): r
                               for e, r in monitor.records},
                    growth_percent=growth,
                    from_epoch=args.from_epoch), handle, indent=2)
    return 0 if verdict == 'PASS' else 1


if __name__ == '__main__':
    sys.exit(main())
