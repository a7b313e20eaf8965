"""Convert the Kinetics-Skeleton JSON release into mmaction2's pkl format.

    python tools/data/gen_kinetics_pkl.py \
        --train-dir data/kinetics-skeleton/kinetics_train \
        --train-label data/kinetics-skeleton/kinetics_train_label.json \
        --val-dir data/kinetics-skeleton/kinetics_val \
        --val-label data/kinetics-skeleton/kinetics_val_label.json \
        --out data/skeleton/kinetics_skeleton_2d.pkl

Writes ``dict(split=dict(train=[...], val=[...]), annotations=[...])``;
each annotation holds ``frame_dir``, ``label``, ``keypoint``
``(M, T, 18, 2)``, ``keypoint_score`` ``(M, T, 18)``, ``total_frames`` and
``img_shape`` (mmaction2's 2-D convention), with the top ``--max-person``
persons per frame by score. A label file (``{video: {"has_skeleton": ...,
"label_index": ...}}``) is optional; videos it marks without skeleton are
skipped.
"""
import argparse
import json
import multiprocessing
import os
import os.path as osp
import sys
import time
from functools import partial

import numpy as np
from mmengine.utils import ProgressBar

# isort: off
sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
import _bootstrap  # noqa: F401,E402  (tools/_bootstrap: sys.path)
# isort: on
from lsta_mm.datasets.kinetics_json import (  # noqa: E402
    KineticsFormatError, load_kinetics_json)
from lsta_mm.safe_pickle import save_annotations  # noqa: E402


def _convert(item, max_person: int, dtype: str):
    path, label = item
    try:
        sample = load_kinetics_json(path, max_person, label)
    except (KineticsFormatError, OSError) as err:
        return None, str(err)
    if sample['keypoint'].shape[0] == 0 or sample['total_frames'] == 0:
        return None, f'{path}: no person detected in any frame (skipped)'
    sample['keypoint'] = sample['keypoint'].astype(dtype)
    sample['keypoint_score'] = sample['keypoint_score'].astype(dtype)
    return sample, None


def list_split(folder: str, label_file: str = None):
    """(path, label or None) of every video of one split."""
    if not osp.isdir(folder):
        raise FileNotFoundError(f'{folder} is not a folder of .json files')
    labels = None
    if label_file:
        if not osp.isfile(label_file):
            raise FileNotFoundError(f'label file {label_file} does not exist')
        with open(label_file) as f:
            labels = json.load(f)
    items, no_skeleton = [], 0
    for name in sorted(os.listdir(folder)):
        if not name.endswith('.json'):
            continue
        video = name[:-len('.json')]
        label = None
        if labels is not None:
            info = labels.get(video)
            if info is None:
                continue
            if not info.get('has_skeleton', True):
                no_skeleton += 1
                continue
            label = info.get('label_index')
        items.append((osp.join(folder, name), label))
    return items, no_skeleton


def convert(splits: dict,
            out: str,
            workers: int = 1,
            max_person: int = 2,
            dtype: str = 'float16',
            quiet: bool = False) -> dict:
    """Convert ``{split name: (folder, label file or None)}``."""
    annotations, split, errors, summary = [], {}, [], {}
    start = time.perf_counter()
    job = partial(_convert, max_person=max_person, dtype=dtype)
    pool = multiprocessing.get_context('fork').Pool(workers) \
        if workers > 1 else None
    count = 0
    for name, (folder, label_file) in splits.items():
        items, no_skeleton = list_split(folder, label_file)
        summary[f'{name}_without_skeleton'] = no_skeleton
        bar = None if quiet else ProgressBar(len(items))
        iterator = pool.imap(job, items, chunksize=32) if pool else map(
            job, items)
        names = []
        for sample, error in iterator:
            count += 1
            if error is not None:
                errors.append(error)
            else:
                annotations.append(sample)
                names.append(sample['frame_dir'])
            if bar is not None:
                bar.update()
        split[name] = names
        summary[name] = len(names)
    if pool is not None:
        pool.close()
        pool.join()
    elapsed = time.perf_counter() - start
    save_annotations(out, split, annotations)
    summary.update(
        failed=len(errors),
        seconds=round(elapsed, 2),
        files_per_second=round(count / max(elapsed, 1e-9), 1))
    if not quiet:
        print()
        for error in errors:
            print(error)
        print(f'wrote {out}: ' + ', '.join(f'{k}={v}'
                                           for k, v in summary.items()))
    return summary


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--train-dir', required=True)
    parser.add_argument('--train-label')
    parser.add_argument('--val-dir', required=True)
    parser.add_argument('--val-label')
    parser.add_argument(
        '--out', default=osp.join('data', 'skeleton',
                                  'kinetics_skeleton_2d.pkl'))
    parser.add_argument(
        '--workers', type=int, default=min(8, os.cpu_count() or 1))
    parser.add_argument('--max-person', type=int, default=2)
    parser.add_argument(
        '--dtype',
        choices=['float16', 'float32'],
        default='float16',
        help='storage type (float16 halves the ~30 GB of float32 for the '
        'full release; coordinates are in [0, 1])')
    args = parser.parse_args(argv)
    np.dtype(args.dtype)
    try:
        convert(
            dict(
                train=(args.train_dir, args.train_label),
                val=(args.val_dir, args.val_label)), args.out, args.workers,
            args.max_person, args.dtype)
    except FileNotFoundError as err:
        parser.exit(2, f'error: {err}\n')


if __name__ == '__main__':
    main()
