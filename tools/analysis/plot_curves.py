"""Plot training curves of a work_dir: loss.png and top1.png.

Training curves (loss, top-1) from a work_dir's mmengine logs.

mmengine's ``LocalVisBackend`` writes ``<work_dir>/<timestamp>/vis_data/
scalars.json`` (and the same lines as ``<timestamp>.json``), one JSON object
per logging step: training lines carry ``loss``, ``epoch``, ``iter`` and the
global ``step`` (iteration); validation lines carry ``acc/top1`` (and
``acc/top5``, ``acc/mean1``) with ``step`` = epoch. A resumed run starts a
new timestamp folder; runs are read in time order and a later line for the
same step replaces an earlier one.

Examples:
    python tools/analysis/plot_curves.py work_dirs/lsta_ntu60_xsub_joint
    python tools/analysis/plot_curves.py WORK_DIR --out-dir plots --smooth 20
"""
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
import _bootstrap  # noqa: F401,E402,I001  (tools/_bootstrap: sys.path)
import argparse  # noqa: E402
import glob  # noqa: E402
import json  # noqa: E402
from typing import Dict, List, Optional  # noqa: E402

import mmengine  # noqa: E402
import numpy as np  # noqa: E402


def find_scalar_files(work_dir: str) -> List[str]:
    """``scalars.json`` (or the ``<timestamp>.json`` log) of every run in
    ``work_dir``, oldest first. ``work_dir`` may also be one such file."""
    if osp.isfile(work_dir):
        return [work_dir]
    if not osp.isdir(work_dir):
        raise FileNotFoundError(f'work_dir {work_dir} does not exist')
    files = []
    for run in sorted(glob.glob(osp.join(work_dir, '*', 'vis_data'))):
        scalars = osp.join(run, 'scalars.json')
        if osp.isfile(scalars):
            files.append(scalars)
            continue
        stamp = osp.basename(osp.dirname(run))
        log = osp.join(run, f'{stamp}.json')
        if osp.isfile(log):
            files.append(log)
    if not files:
        raise FileNotFoundError(
            f'{work_dir} holds no */vis_data/scalars.json: was it written '
            f'by tools/train.py with LocalVisBackend (the default)?')
    return files


def load_scalars(work_dir: str) -> Dict[str, Dict[str, np.ndarray]]:
    """Training and validation scalars of all runs in ``work_dir``.

    Returns:
        dict: ``{'train': {'step': ..., 'epoch': ..., 'loss': ...},
        'val': {'step': ..., 'acc/top1': ...}}``, each key an array sorted
        by step (missing values are NaN).
    """
    rows = {'train': {}, 'val': {}}
    for path in find_scalar_files(work_dir):
        with open(path) as handle:
            for number, line in enumerate(handle, 1):
                line = line.strip()
                if not line:
                    continue
                try:
                    record = json.loads(line)
                except json.JSONDecodeError:
                    raise ValueError(f'{path}:{number} is not JSON: '
                                     f'{line[:60]}') from None
                if 'step' not in record:
                    continue
                kind = 'train' if 'loss' in record or 'lr' in record \
                    else 'val'
                rows[kind][record['step']] = record
    result = {}
    for kind, by_step in rows.items():
        steps = sorted(by_step)
        keys = sorted({k for r in by_step.values() for k in r})
        result[kind] = {
            key: np.array([float(by_step[s].get(key, np.nan))
                           for s in steps]) for key in keys
            if all(isinstance(by_step[s].get(key, 0.0), (int, float))
                   for s in steps)
        }
    if not result['train'] and not result['val']:
        raise ValueError(f'{work_dir}: the logs hold no training or '
                         f'validation scalars')
    return result


def _smooth(values: np.ndarray, window: int) -> np.ndarray:
    if window <= 1 or values.size < window:
        return values
    kernel = np.ones(window) / window
    padded = np.concatenate([np.full(window - 1, values[0]), values])
    return np.convolve(padded, kernel, mode='valid')


def plot_training_curves(work_dir: str,
                         out_dir: Optional[str] = None,
                         smooth: int = 10,
                         size_px=(800, 500),
                         dpi: int = 100) -> List[str]:
    """Write ``loss.png`` and ``top1.png`` for the runs in ``work_dir``.

    ``loss.png``: every ``loss*`` scalar against the iteration (thin line)
    and its moving average over ``smooth`` logged values (thick line).
    ``top1.png``: validation ``acc/top1`` (and ``acc/top5``) against the
    epoch; without validation, the training batches' ``top1_acc``.

    Returns:
        list[str]: The written files.
    """
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator
    scalars = load_scalars(work_dir)
    if out_dir is None:
        out_dir = work_dir if osp.isdir(work_dir) else osp.dirname(work_dir)
    title = osp.basename(osp.normpath(
        work_dir if osp.isdir(work_dir) else osp.dirname(work_dir)))
    figsize = (size_px[0] / dpi, size_px[1] / dpi)
    written = []

    train = scalars['train']
    fig, ax = plt.subplots(figsize=figsize, dpi=dpi)
    loss_keys = [k for k in train if k.startswith('loss')]
    if 'loss' in loss_keys and len(loss_keys) == 2:
        loss_keys = ['loss']  # the total is the only component: draw once
    if not loss_keys:
        ax.text(0.5, 0.5, 'no training loss logged', ha='center')
    for key in loss_keys:
        line, = ax.plot(train['step'], train[key], linewidth=0.8, alpha=0.4)
        ax.plot(train['step'], _smooth(train[key], smooth),
                color=line.get_color(), linewidth=2, label=key)
    ax.set_xlabel('iteration')
    ax.set_ylabel('loss')
    ax.set_title(f'{title}: training loss')
    if loss_keys:
        ax.legend()
    ax.grid(alpha=0.3)
    fig.tight_layout()
    path = osp.join(out_dir, 'loss.png')
    fig.savefig(path, dpi=dpi)
    plt.close(fig)
    written.append(path)

    val = scalars['val']
    fig, ax = plt.subplots(figsize=figsize, dpi=dpi)
    if 'acc/top1' in val:
        for key in ('acc/top1', 'acc/top5'):
            if key in val:
                ax.plot(val['step'], 100 * val[key], marker='o', label=key)
        best = int(np.nanargmax(val['acc/top1']))
        ax.annotate(f'best {100 * val["acc/top1"][best]:.2f}',
                    (val['step'][best], 100 * val['acc/top1'][best]),
                    textcoords='offset points', xytext=(0, 8),
                    ha='center')
        ax.set_xlabel('epoch')
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_title(f'{title}: validation accuracy')
    elif 'top1_acc' in train:
        ax.plot(train['step'], 100 * _smooth(train['top1_acc'], smooth),
                label='train batch top1_acc (moving average)')
        ax.set_xlabel('iteration')
        ax.set_title(f'{title}: training accuracy (no validation logged)')
    else:
        ax.text(0.5, 0.5, 'no accuracy logged', ha='center')
    ax.set_ylabel('accuracy (%)')
    ax.grid(alpha=0.3)
    if ax.get_legend_handles_labels()[0]:
        ax.legend()
    fig.tight_layout()
    path = osp.join(out_dir, 'top1.png')
    fig.savefig(path, dpi=dpi)
    plt.close(fig)
    written.append(path)
    return written


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
