"""Pack an annotation pkl into a memory-mapped store shared by all ranks.

    python tools/data/pack_annotations.py data/skeleton/ntu120_3d.pkl \
        [--out data/skeleton/ntu120_3d.store] [--layout nturgb+d] \
        [--skip-invalid]

Then train with ``ann_file='data/skeleton/ntu120_3d.store'`` (e.g.
``--cfg-options train_dataloader.dataset.ann_file=...`` and the same for
val/test): every rank and loader worker on a node maps the one keypoint
file instead of unpickling its own copy of the pkl (docs/data.md, "Large
datasets"; measured in docs/benchmarks.md). The pkl is read with the
restricted unpickler and checked sample by sample with the dataset's own
checks first: a file with bad samples is refused (one line per sample)
unless ``--skip-invalid`` leaves them out. The store is written next to
its final name and renamed when complete, so no half store is left behind.
Exit status: 0 written, 1 bad samples, 2 unreadable input or existing
output.
"""
import argparse
import os.path as osp
import sys
import time

# isort: off
sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
import _bootstrap  # noqa: F401,E402  (tools/_bootstrap: sys.path)
# isort: on
from mmengine.utils import track_iter_progress  # noqa: E402

from lsta_mm.datasets.annotation_store import (  # noqa: E402
    StoreError, write_store)
from lsta_mm.datasets.custom_data import load_layout  # noqa: E402
from lsta_mm.datasets.validation import (  # noqa: E402
    check_structure, sample_name, validate_annotations)
from lsta_mm.safe_pickle import (  # noqa: E402
    AnnotationFileError, UnsafePickleError, safe_load_pickle)
from lsta_mm.utils.topology import LAYOUTS  # noqa: E402


def default_out(source: str) -> str:
    """``x.pkl`` -> ``x.store``."""
    root, ext = osp.splitext(source)
    return (root if ext == '.pkl' else source) + '.store'


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('file', help='annotation .pkl (mmaction2 format)')
    parser.add_argument('--out', help='store directory (default: the pkl '
                        'name with .store)')
    parser.add_argument(
        '--layout',
        help=f'check the joints against a layout: one of {sorted(LAYOUTS)} '
        f'or a .json/.yaml layout file (default: not checked here; the '
        f'dataset checks it when it loads the store)')
    parser.add_argument('--skip-invalid', action='store_true',
                        help='leave bad samples out instead of refusing')
    parser.add_argument('--quiet', action='store_true',
                        help='no progress bar')
    args = parser.parse_args(argv)
    out = args.out or default_out(args.file)
    if osp.exists(out):
        print(f'error: {out} already exists; remove it or pass another '
              f'--out')
        return 2
    try:
        layout = load_layout(args.layout) if args.layout else None
        start = time.time()
        data = safe_load_pickle(args.file)
    except (FileNotFoundError, AnnotationFileError, UnsafePickleError,
            ValueError) as err:
        print(f'error: {err}')
        return 2
    problems, _ = validate_annotations(data, args.file, layout=layout)
    structural = [p for p in problems if p.sample == '-']
    for problem in problems:
        print(problem)
    if structural or (problems and not args.skip_invalid):
        print(f'{args.file}: {len(problems)} problem(s); nothing written '
              f'(--skip-invalid leaves bad samples out)')
        return 1
    split, annotations = check_structure(data, args.file)
    bad = {p.sample for p in problems}
    names = [sample_name(a, i) for i, a in enumerate(annotations)]
    kept = [a for a, n in zip(annotations, names) if n not in bad]
    if split is not None and bad:
        split = {k: [n for n in v if str(n) not in bad]
                 for k, v in split.items()}
    extra = sorted({k for a in kept for k in a} - {
        'frame_dir', 'filename', 'label', 'keypoint', 'keypoint_score',
        'total_frames', 'img_shape', 'original_shape'
    })
    try:
        meta = write_store(
            kept, split, out, source=args.file,
            progress=kept if args.quiet else track_iter_progress(
                kept, file=sys.stderr))
    except StoreError as err:
        print(f'error: {err}')
        return 2
    if extra:
        print(f'note: sample keys not packed (not used by the skeleton '
              f'pipelines): {extra}')
    print(f'{out}: {meta["samples"]} samples ({len(bad)} left out), '
          f'{meta["rows"]} person-frames of {meta["joints"]} joints x '
          f'{meta["channels"]} {meta["keypoint_dtype"]}, splits '
          f'{meta["splits"]}; {time.time() - start:.1f} s')
    return 0


if __name__ == '__main__':
    sys.exit(main())
