"""Plot training curves of a work_dir: loss.png and top1.png.

Reads mmengine's ``<work_dir>/<timestamp>/vis_data/scalars.json`` (written
by ``tools/train.py``; resumed runs are joined in time order).

Examples:
    python tools/analysis/plot_curves.py work_dirs/lsta_ntu60_xsub_joint
    python tools/analysis/plot_curves.py WORK_DIR --out-dir plots --smooth 20
"""
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
import _bootstrap  # noqa: F401,E402,I001  (tools/_bootstrap: sys.path)
import argparse  # noqa: E402

import mmengine  # noqa: E402

from lsta_mm.apis.curves import plot_training_curves  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Training loss and top-1 curves from mmengine logs')
    parser.add_argument(
        'work_dir', help='training work_dir (or one scalars.json)')
    parser.add_argument(
        '--out-dir', help='where the PNGs go (default: the work_dir)')
    parser.add_argument(
        '--smooth', type=int, default=10,
        help='moving-average window over logged loss values')
    parser.add_argument(
        '--size', type=int, nargs=2, default=(800, 500),
        metavar=('W', 'H'), help='figure size in pixels')
    parser.add_argument('--dpi', type=int, default=100)
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    if args.out_dir:
        mmengine.mkdir_or_exist(args.out_dir)
    try:
        written = plot_training_curves(args.work_dir, args.out_dir,
                                       args.smooth, tuple(args.size),
                                       args.dpi)
    except (OSError, ValueError) as err:
        raise SystemExit(f'error: {err}')
    for path in written:
        print(f'written {path}')
    return written


if __name__ == '__main__':
    main()
