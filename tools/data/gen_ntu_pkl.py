"""Convert NTU RGB+D 60/120 raw ``.skeleton`` files into mmaction2's pkl.

    python tools/data/gen_ntu_pkl.py data/nturgb+d_skeletons \
        --task ntu60 --out data/skeleton/ntu60_3d.pkl \
        [--missing-list NTU_RGBD_samples_with_missing_skeletons.txt]

Writes ``dict(split=..., annotations=[...])``: ``xsub_train``/``xsub_val``
and ``xview_train``/``xview_val`` for NTU-60, ``xsub_*``/``xset_*`` for
NTU-120; each annotation holds ``frame_dir``, ``label``, ``keypoint``
``(M, T, 25, 3)`` float32 and ``total_frames``, exactly the fields of
mmaction2's prepared ``ntu60_3d.pkl`` / ``ntu120_3d.pkl``.
"""
import argparse
import multiprocessing
import os
import os.path as osp
import sys
import time
from functools import partial

from mmengine.utils import ProgressBar

# isort: off
sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
import _bootstrap  # noqa: F401,E402  (tools/_bootstrap: sys.path)
# isort: on
from lsta_mm.datasets.ntu_raw import (  # noqa: E402
    NTUParseError, load_ntu_skeleton, parse_ntu_name)
from lsta_mm.safe_pickle import save_annotations  # noqa: E402


#: Training subjects of the cross-subject benchmark (NTU RGB+D, Shahroudy
#: et al. CVPR 2016); the other subjects are the test set.
TRAIN_SUBJECTS_60 = (1, 2, 4, 5, 8, 9, 13, 14, 15, 16, 17, 18, 19, 25, 27, 28,
                     31, 34, 35, 38)
#: NTU RGB+D 120 (Liu et al. TPAMI 2019) adds these training subjects.
TRAIN_SUBJECTS_120 = TRAIN_SUBJECTS_60 + (
    45, 46, 47, 49, 50, 52, 53, 54, 55, 56, 57, 58, 59, 70, 74, 78, 80, 81, 82,
    83, 84, 85, 86, 89, 91, 92, 93, 94, 95, 97, 98, 100, 103)
#: Cross-view: cameras 2 and 3 train, camera 1 tests.
TRAIN_CAMERAS = (2, 3)
#: NTU-60 holds setups 1-17 and actions 1-60; NTU-120 setups 1-32.
NTU60_SETUPS, NTU60_ACTIONS = 17, 60


def is_train(meta: dict, benchmark: str, task: str) -> bool:
    """Whether a sample is in the training half of a benchmark."""
    if benchmark == 'xsub':
        subjects = TRAIN_SUBJECTS_60 if task == 'ntu60' else \
            TRAIN_SUBJECTS_120
        return meta['subject'] in subjects
    if benchmark == 'xview':
        return meta['camera'] in TRAIN_CAMERAS
    if benchmark == 'xset':
        return meta['setup'] % 2 == 0  # even setup IDs train
    raise ValueError(f'unknown benchmark {benchmark!r}')


def read_missing_list(path: str) -> set:
    """Sample names (without extension) of an official missing-skeleton
    list, one per line."""
    if not osp.isfile(path):
        raise FileNotFoundError(
            f'--missing-list {path} does not exist (the official lists are '
            f'NTU_RGBD_samples_with_missing_skeletons.txt and '
            f'NTU_RGBD120_samples_with_missing_skeletons.txt from the '
            f'dataset\'s GitHub page)')
    names = set()
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith('#'):
                names.add(osp.splitext(line)[0] if line.endswith(
                    '.skeleton') else line)
    return names


def list_samples(data_path: str, task: str, missing: set):
    """``.skeleton`` files of the task, minus the missing list."""
    if not osp.isdir(data_path):
        raise FileNotFoundError(f'{data_path} is not a folder of .skeleton '
                                f'files')
    files, skipped = [], dict(other=0, missing=0, task=0)
    for name in sorted(os.listdir(data_path)):
        if not name.endswith('.skeleton'):
            skipped['other'] += 1
            continue
        stem = name[:-len('.skeleton')]
        if stem in missing:
            skipped['missing'] += 1
            continue
        try:
            meta = parse_ntu_name(stem)
        except NTUParseError:
            skipped['other'] += 1
            continue
        if task == 'ntu60' and (meta['setup'] > NTU60_SETUPS
                                or meta['action'] > NTU60_ACTIONS):
            skipped['task'] += 1
            continue
        files.append(osp.join(data_path, name))
    return files, skipped


def _convert(path: str, max_person: int, denoise: bool):
    try:
        sample = load_ntu_skeleton(path, max_person, denoise)
    except (NTUParseError, OSError) as err:
        return None, str(err)
    if sample['keypoint'].shape[0] == 0:
        return None, f'{path}: no body in any frame (skipped)'
    keep = ('frame_dir', 'label', 'keypoint', 'total_frames')
    record = {k: sample[k] for k in keep}
    meta = {k: sample[k] for k in ('setup', 'camera', 'subject')}
    return (record, meta), None


def convert(data_path: str,
            out: str,
            task: str = 'ntu60',
            missing_list: str = None,
            workers: int = 1,
            max_person: int = 2,
            denoise: bool = True,
            quiet: bool = False) -> dict:
    """Convert a folder; returns a summary dict (also printed)."""
    missing = read_missing_list(missing_list) if missing_list else set()
    files, skipped = list_samples(data_path, task, missing)
    if not files:
        raise FileNotFoundError(f'no NTU .skeleton files in {data_path}')
    start = time.perf_counter()
    job = partial(_convert, max_person=max_person, denoise=denoise)
    results, errors = [], []
    bar = None if quiet else ProgressBar(len(files))
    if workers > 1:
        pool = multiprocessing.get_context('fork').Pool(workers)
        iterator = pool.imap(job, files, chunksize=16)
    else:
        pool, iterator = None, map(job, files)
    for result, error in iterator:
        if error is not None:
            errors.append(error)
        else:
            results.append(result)
        if bar is not None:
            bar.update()
    if pool is not None:
        pool.close()
        pool.join()
    elapsed = time.perf_counter() - start
    benchmarks = ('xsub', 'xview') if task == 'ntu60' else ('xsub', 'xset')
    split = {}
    for benchmark in benchmarks:
        train = [r['frame_dir'] for r, m in results
                 if is_train(m, benchmark, task)]
        val = [r['frame_dir'] for r, m in results
               if not is_train(m, benchmark, task)]
        split[f'{benchmark}_train'], split[f'{benchmark}_val'] = train, val
    annotations = [r for r, _ in results]
    save_annotations(out, split, annotations)
    summary = dict(
        converted=len(annotations),
        failed=len(errors),
        skipped_missing_list=skipped['missing'],
        skipped_other_task=skipped['task'],
        skipped_not_skeleton=skipped['other'],
        seconds=round(elapsed, 2),
        files_per_second=round(len(files) / max(elapsed, 1e-9), 1),
        **{name: len(names)
           for name, names in split.items()})
    if not quiet:
        print()
        for error in errors:
            print(error)
        print(f'wrote {out}: ' + ', '.join(f'{k}={v}'
                                           for k, v in summary.items()))
    return summary


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('data_path', help='folder of .skeleton files')
    parser.add_argument(
        '--task', choices=['ntu60', 'ntu120'], default='ntu60')
    parser.add_argument(
        '--out', help='output pkl (default data/skeleton/<task>_3d.pkl)')
    parser.add_argument(
        '--missing-list',
        help='official list of samples with missing skeletons to skip')
    parser.add_argument(
        '--workers',
        type=int,
        default=min(8, os.cpu_count() or 1),
        help='parallel processes (default: CPU count, at most 8)')
    parser.add_argument('--max-person', type=int, default=2)
    parser.add_argument(
        '--no-denoise',
        action='store_true',
        help='keep noisy bodies (too short, wider than tall)')
    args = parser.parse_args(argv)
    out = args.out or osp.join('data', 'skeleton', f'{args.task}_3d.pkl')
    try:
        convert(args.data_path, out, args.task, args.missing_list,
                args.workers, args.max_person, not args.no_denoise)
    except FileNotFoundError as err:
        parser.exit(2, f'error: {err}\n')


if __name__ == '__main__':
    main()
