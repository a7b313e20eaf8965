"""Check a skeleton annotation pkl before training on it.

    python tools/data/check_annotations.py data/skeleton/ntu60_3d.pkl \
        [--layout nturgb+d] [--num-classes 60] [--split xsub_train ...]

Prints one line per bad sample (file, sample, problem) and a summary; exits
with 1 when a problem was found, 2 when the file cannot be read at all. The
same checks run when ``LSTAPoseDataset`` loads a file.
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


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('file', help='annotation .pkl')
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
