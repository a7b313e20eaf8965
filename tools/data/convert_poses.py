"""Convert pose-estimator outputs (mmpose / OpenPose JSON, .npy/.npz, CSV)
into mmaction2's annotation pkl.

    # a folder tree root/<class>/<clip>.<ext>: labels from the folder names
    python tools/data/convert_poses.py data/my_clips --layout coco \
        --out data/skeleton/my_clips.pkl
    # a flat folder of clips with a labels CSV (clip,label)
    python tools/data/convert_poses.py data/my_arrays \
        --labels data/my_labels.csv --layout my_layout.json \
        --out data/skeleton/my_arrays.pkl

Writes ``dict(split=dict(train=[...], val=[...]), annotations=[...])`` (a
stratified split, or ``--split-file``) and, when labels are class names,
``<out stem>_classes.txt`` (one name per line). Unordered detections are
tracked into persons by box centres; the ``--max-person`` best persons by
``--rank-by`` are kept. Nothing is written when any clip is unusable: each
bad clip gets one line naming its file. See docs/custom_data.md.
"""
import argparse
import os
import os.path as osp
import sys

# isort: off
sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
import _bootstrap  # noqa: F401,E402  (tools/_bootstrap: sys.path)
# isort: on
from lsta_mm.datasets.custom_data import (  # noqa: E402
    ConversionError, convert_clips, label_map_path, list_class_tree,
    list_labelled_clips, load_layout, read_split_file)
from lsta_mm.datasets.person_tracking import RANKINGS  # noqa: E402
from lsta_mm.datasets.pose_readers import FORMATS  # noqa: E402
from lsta_mm.engine.atomic_io import AtomicWriteError  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument(
        'root',
        help='root/<class>/<clip>.<ext>, or a flat folder of clips '
        'with --labels')
    parser.add_argument('--out', required=True, help='the .pkl to write')
    parser.add_argument(
        '--layout',
        default='coco',
        help='layout name (coco, openpose, halpe26, nturgb+d) or a '
        '.json/.yaml file with num_node, inward, center (and coord_dims: 3 '
        'for 3-D joints)')
    parser.add_argument(
        '--format', default='auto', choices=['auto'] + list(FORMATS))
    parser.add_argument(
        '--labels', help='CSV of `clip,label` rows for a flat folder')
    parser.add_argument(
        '--split-file',
        help='.json/.yaml dict of split name -> sample names (default: a '
        'stratified train/val split)')
    parser.add_argument('--val-ratio', type=float, default=0.2)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--max-person', type=int, default=2)
    parser.add_argument('--rank-by', choices=RANKINGS, default='score')
    parser.add_argument(
        '--max-gap',
        type=int,
        default=10,
        help='frames a tracked person may be missing')
    parser.add_argument(
        '--max-distance',
        type=float,
        default=1.0,
        help='largest box-centre step, in box diagonals, that continues a '
        'track')
    parser.add_argument(
        '--img-shape',
        type=int,
        nargs=2,
        metavar=('H', 'W'),
        help='image size of 2-D keypoints, stored as img_shape')
    parser.add_argument(
        '--workers', type=int, default=min(8,
                                           os.cpu_count() or 1))
    return parser, parser.parse_args(argv)


def main(argv=None):
    parser, args = parse_args(argv)
    try:
        layout = load_layout(args.layout)
        if args.labels:
            items, classes = list_labelled_clips(args.root, args.labels,
                                                 args.format)
        else:
            items, classes = list_class_tree(args.root, args.format)
        split = read_split_file(args.split_file) if args.split_file else None
        summary = convert_clips(
            items,
            args.out,
            layout,
            classes=classes,
            split=split,
            split_source=args.split_file,
            val_ratio=args.val_ratio,
            seed=args.seed,
            workers=args.workers,
            fmt=args.format,
            max_person=args.max_person,
            rank_by=args.rank_by,
            max_gap=args.max_gap,
            max_distance=args.max_distance,
            img_shape=args.img_shape)
    except (ConversionError, AtomicWriteError) as err:
        parser.exit(1, f'\nerror: {err}\nnothing was written\n')
    except ValueError as err:  # an unknown layout name
        parser.exit(2, f'error: {err}\n')
    print()
    written = [args.out] + ([label_map_path(args.out)] if classes else [])
    print(f'wrote {" and ".join(written)}: ' +
          ', '.join(f'{k}={v}' for k, v in summary.items()))


if __name__ == '__main__':
    main()
