"""Check a skeleton annotation pkl before training on it.

    python tools/data/check_annotations.py data/skeleton/ntu60_3d.pkl \
        [--layout nturgb+d] [--num-classes 60] [--split xsub_train ...]

Prints one line per bad sample (file, sample, problem) and a summary; exits
with 1 when a problem was found, 2 when the file cannot be read at all. The
same checks run when ``LSTAPoseDataset`` loads a file. FILE may also be a
store directory of ``tools/data/pack_annotations.py``: its index is checked
against its arrays and every value is checked again (vectorised), whatever
its fingerprints say.
"""
import argparse
import os.path as osp
import sys

import numpy as np

# isort: off
sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
import _bootstrap  # noqa: F401,E402  (tools/_bootstrap: sys.path)
# isort: on
from lsta_mm.safe_pickle import (  # noqa: E402
    AnnotationFileError, UnsafePickleError, safe_load_pickle)
from lsta_mm.datasets.custom_data import load_layout  # noqa: E402
from lsta_mm.datasets.validation import validate_annotations  # noqa: E402
from lsta_mm.utils.topology import LAYOUTS  # noqa: E402


def guess_layout(data):
    """Layout whose joint count matches the first sample's V."""
    try:
        joints = data['annotations'][0]['keypoint'].shape[2]
    except (KeyError, IndexError, TypeError, AttributeError):
        return None
    for name, num_node in LAYOUTS.items():
        if num_node == joints:
            return name
    return None


def check_store(path: str, layout, num_classes, splits) -> int:
    """The checks of a store directory; the exit status of :func:`main`."""
    from lsta_mm.datasets.annotation_store import AnnotationStore, StoreError
    from lsta_mm.utils.topology import get_topology
    try:
        store = AnnotationStore(path)
    except StoreError as err:
        print(f'error: {err}')
        return 2
    topology = get_topology(layout) if layout is not None else None
    whole, bad = store.problems(
        num_node=topology.num_node if topology else None,
        coord_dims=topology.coord_dims if topology else None,
        num_classes=num_classes, force=True)
    names, labels = store.names, store.index['label']
    problems = [f'{path}: {whole}'] if whole else []
    problems += [f'{path}: sample {names[i]}: {m}' for i, m in bad]
    problems += [f'{path}: split {name!r} does not exist; the store has '
                 f'splits {store.meta["splits"]}'
                 for name in splits if name not in store.meta['splits']]
    for line in problems:
        print(line)
    sizes = ', '.join(f'split {name}={len(store.split(name))}'
                      for name in store.meta['splits'])
    status = 'OK' if not problems else f'{len(problems)} problem(s)'
    print(f'{path}: {status}; store of {len(store)} samples, '
          f'{store.meta["joints"]} joints x {store.meta["channels"]} '
          f'{store.meta["keypoint_dtype"]}; {sizes}; labels '
          f'{labels.min()}..{labels.max()}')
    return 1 if problems else 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('file', help='annotation .pkl or store directory')
    parser.add_argument(
        '--layout',
        help=f'expected layout: one of {sorted(LAYOUTS)} or a .json/.yaml '
        f'file with num_node, inward and center (default: guessed from the '
        f'joint count)')
    parser.add_argument('--num-classes', type=int)
    parser.add_argument(
        '--split', nargs='*', default=(), help='split names that must exist')
    parser.add_argument(
        '--in-channels',
        type=int,
        help='channels per joint the stream must deliver (3 for NTU xyz '
        'and for x, y, score)')
    args = parser.parse_args(argv)
    if osp.isdir(args.file):
        try:
            layout = load_layout(args.layout) if args.layout else None
        except ValueError as err:
            print(f'error: {err}')
            return 2
        return check_store(args.file, layout, args.num_classes, args.split)
    try:
        data = safe_load_pickle(args.file)
    except (FileNotFoundError, AnnotationFileError, UnsafePickleError) as err:
        print(f'error: {err}')
        return 2
    try:
        layout = load_layout(args.layout) if args.layout else \
            guess_layout(data)
    except ValueError as err:  # an unknown name or a bad layout file
        print(f'error: {err}')
        return 2
    problems, summary = validate_annotations(
        data,
        args.file,
        layout=layout,
        num_classes=args.num_classes,
        splits=args.split,
        in_channels=args.in_channels)
    for problem in problems:
        print(problem)
    annotations = data.get('annotations', []) if isinstance(
        data, dict) else data if isinstance(data, list) else []
    labels = sorted({
        int(a['label'])
        for a in annotations if isinstance(a, dict) and isinstance(
            a.get('label'), (int, np.integer)) and not isinstance(
                a.get('label'), bool)
    })
    label_text = f'labels {labels[0]}..{labels[-1]} ({len(labels)} ' \
        f'distinct)' if labels else 'no labels'
    status = 'OK' if not problems else f'{len(problems)} problem(s)'
    print(f'{args.file}: {status}; layout={args.layout or layout}; ' +
          ', '.join(f'{k}={v}' for k, v in summary.items()) +
          f'; {label_text}')
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main())
