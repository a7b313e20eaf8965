"""Time raw NTU ``.skeleton`` -> pkl conversion: ours against mmaction2's.

1. Generates ``--num-files`` raw NTU RGB+D files in the official text
   format (``dump_ntu_skeleton``) with realistic content: upright 25-joint
   bodies that move, 50-300 frames, two persons for the mutual actions
   A050-A060, and in ``--noise-rate`` of the files an extra noisy body
   (a short-lived false detection or a wider-than-tall object) as the Kinect
   produces them.
2. Runs mmaction2's own converter (``.mim/tools/data/skeleton/
   gen_ntu_rgbd_raw.py`` of the installed package) and ours
   (``tools/data/gen_ntu_pkl.py``) with each ``--workers`` value, every one
   as a fresh process on the same folder, and reports wall-clock seconds,
   files/s and the speed-up over mmaction2.
3. Compares the keypoints of the two pkls: for every sample where both
   keep the same bodies (as a set: the two tools order persons
   differently) the coordinates must be identical at mmaction2's float16
   precision; the generator knows which files hold only clean bodies, and
   those must all match.

Example:
    python tools/analysis/bench_convert.py --num-files 3000 --workers 1 2
"""
import argparse
import json
import os
import os.path as osp
import pickle
import shutil
import subprocess
import sys
import tempfile
import time
from typing import Dict, List

import numpy as np

# isort: off
sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
import _bootstrap  # noqa: F401,E402  (tools/_bootstrap: sys.path)
# isort: on
from lsta_mm.datasets.ntu_raw import dump_ntu_skeleton  # noqa: E402

ROOT = _bootstrap.ROOT
OUR_TOOL = osp.join(ROOT, 'tools', 'data', 'gen_ntu_pkl.py')
NUM_JOINTS = 25
#: Mutual (two-person) actions of NTU RGB+D 60: A050-A060.
MUTUAL_ACTIONS = range(50, 61)

#: A standing NTU-layout body in metres (x right, y up, z towards camera),
#: joints in the dataset's order (spine base ... right thumb).
TEMPLATE = np.array(
    [[0.00, 0.00, 0.00], [0.00, 0.30, 0.00], [0.00, 0.55, 0.00],
     [0.00, 0.70, 0.00], [-0.18, 0.48, 0.00], [-0.25, 0.22, 0.00],
     [-0.27, 0.00, 0.00], [-0.28, -0.07, 0.00], [0.18, 0.48, 0.00],
     [0.25, 0.22, 0.00], [0.27, 0.00, 0.00], [0.28, -0.07, 0.00],
     [-0.09, -0.05, 0.00], [-0.10, -0.45, 0.00], [-0.10, -0.85, 0.00],
     [-0.10, -0.90, 0.08], [0.09, -0.05, 0.00], [0.10, -0.45, 0.00],
     [0.10, -0.85, 0.00], [0.10, -0.90, 0.08], [0.00, 0.50, 0.00],
     [-0.29, -0.12, 0.00], [-0.25, -0.06, 0.03], [0.29, -0.12, 0.00],
     [0.25, -0.06, 0.03]],
    dtype=np.float64)
#: Joints that swing with the action (arms and hands; left leg).
ARM_JOINTS = [5, 6, 7, 9, 10, 11, 21, 22, 23, 24]
LEG_JOINTS = [13, 14, 15]


def make_body(rng, num_frames: int, offset_x: float) -> np.ndarray:
    """One moving upright body, ``(T, 25, 3)``."""
    t = np.arange(num_frames)[:, None]
    freq = rng.uniform(0.03, 0.2)
    phase = rng.uniform(0, 2 * np.pi)
    body = np.repeat(TEMPLATE[None], num_frames, 0)
    swing = 0.15 * np.sin(freq * t + phase)  # (T, 1)
    body[:, ARM_JOINTS, 0] += swing
    body[:, ARM_JOINTS, 1] += 0.5 * np.abs(swing)
    body[:, LEG_JOINTS, 2] += 0.5 * swing
    drift = rng.normal(0, 0.003, (num_frames, 1, 3)).cumsum(0)
    body += drift + np.array([offset_x, 0.1, rng.uniform(2.5, 3.5)])
    body += rng.normal(0, 0.005, body.shape)  # sensor jitter
    return body


def _noise_body(rng, num_frames: int) -> tuple:
    """A false detection: ``(keypoint (T, 25, 3), frames present)``."""
    if rng.random() < 0.5:  # short-lived: a few frames
        length = int(rng.integers(3, 11))
        start = int(rng.integers(0, num_frames - length))
        present = np.arange(start, start + length)
        body = make_body(rng, num_frames, rng.uniform(-1, 1))
    else:  # an object: wider than tall for most of the sequence
        present = np.arange(num_frames)
        body = make_body(rng, num_frames, rng.uniform(-1, 1))[..., [1, 0, 2]]
    return body, present


def generate(folder: str,
             num_files: int,
             seed: int = 0,
             min_frames: int = 50,
             max_frames: int = 300,
             noise_rate: float = 0.1,
             progress: bool = True) -> Dict[str, bool]:
    """Write ``num_files`` NTU-60 ``.skeleton`` files into ``folder``.

    Returns:
        dict: file stem -> whether it holds only clean bodies.
    """
    if num_files < 1:
        raise ValueError(f'num_files must be >= 1, got {num_files}')
    if not 12 <= min_frames <= max_frames:
        raise ValueError('need 12 <= min_frames <= max_frames, got '
                         f'{min_frames}, {max_frames}')
    os.makedirs(folder, exist_ok=True)
    rng = np.random.default_rng(seed)
    clean = {}
    bar = None
    if progress:
        from mmengine.utils import ProgressBar
        bar = ProgressBar(num_files, file=sys.stderr)
    for index in range(num_files):
        action = int(rng.integers(1, 61))
        name = (f'S{index % 17 + 1:03d}C{index % 3 + 1:03d}'
                f'P{index % 40 + 1:03d}R{index // 2040 % 2 + 1:03d}'
                f'A{action:03d}')
        # Unique stems: spread the running index over setup/camera/subject
        # and a 5-digit suffix the NTU pattern ignores.
        name = f'{name}_{index:05d}'
        num_frames = int(rng.integers(min_frames, max_frames + 1))
        bodies = [make_body(rng, num_frames, -0.4)]
        if action in MUTUAL_ACTIONS:
            bodies.append(make_body(rng, num_frames, 0.4))
        is_clean = rng.random() >= noise_rate
        if not is_clean:
            body, present = _noise_body(rng, num_frames)
            absent = np.setdiff1d(np.arange(num_frames), present)
            body[absent] = 0
            bodies.append(body)
        keypoint = np.stack(bodies).astype(np.float32)  # (M, T, 25, 3)
        body_ids = [str(72057594037927936 + 100 * index + m)
                    for m in range(len(bodies))]
        dump_ntu_skeleton(
            osp.join(folder, name + '.skeleton'), keypoint, body_ids)
        clean[name] = is_clean
        if bar is not None:
            bar.update()
    if bar is not None:
        print(file=sys.stderr)
    return clean


def mmaction_converter() -> str:
    import mmaction
    path = osp.join(
        osp.dirname(mmaction.__file__), '.mim', 'tools', 'data', 'skeleton',
        'gen_ntu_rgbd_raw.py')
    if not osp.isfile(path):
        raise FileNotFoundError(f'mmaction2\'s converter is not at {path}')
    return path


def _timed(command: List[str], cwd: str) -> float:
    env = dict(os.environ)
    env['PYTHONPATH'] = ROOT + os.pathsep + env.get('PYTHONPATH', '')
    start = time.perf_counter()
    proc = subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f'{" ".join(command)} failed:\n'
                           f'{proc.stdout[-1500:]}\n{proc.stderr[-1500:]}')
    return elapsed


def run_mmaction(data_dir: str, work_dir: str) -> tuple:
    """mmaction2's converter; it reads a missing list at a relative path
    by default, so an empty one is given explicitly."""
    out_dir = osp.join(work_dir, 'mmaction')
    os.makedirs(out_dir, exist_ok=True)
    ignored = osp.join(work_dir, 'no_missing_skeletons.txt')
    open(ignored, 'w').close()
    command = [
        sys.executable,
        mmaction_converter(), '--data-path', data_dir,
        '--ignored-sample-path', ignored, '--out-folder', out_dir, '--task',
        'ntu60'
    ]
    seconds = _timed(command, work_dir)
    return seconds, osp.join(out_dir, 'ntu60_3d.pkl')


def run_ours(data_dir: str, work_dir: str, workers: int) -> tuple:
    out = osp.join(work_dir, f'ours_w{workers}.pkl')
    command = [
        sys.executable, OUR_TOOL, data_dir, '--task', 'ntu60', '--out', out,
        '--workers',
        str(workers)
    ]
    seconds = _timed(command, work_dir)
    return seconds, out


def _load(path: str) -> Dict[str, np.ndarray]:
    with open(path, 'rb') as handle:  # files this tool just wrote
        data = pickle.load(handle)
    return {a['frame_dir']: a['keypoint'] for a in data['annotations']}


def _match_bodies(ours: np.ndarray, theirs: np.ndarray, equal) -> bool:
    """Whether the bodies of two ``(M, T, V, 3)`` arrays pair up."""
    if ours.shape != theirs.shape:
        return False
    unmatched = list(range(len(theirs)))
    for body in ours:
        hit = next((j for j in unmatched if equal(body, theirs[j])), None)
        if hit is None:
            return False
        unmatched.remove(hit)
    return True


def _equal_float16(ours: np.ndarray, theirs16: np.ndarray) -> bool:
    """Equal at mmaction2's float16 storage, up to one float16 step.

    mmaction2 rounds float64 to float16 once; our float32 keypoints round
    float64 to float32 first, so a value close to a float16 midpoint may
    land one float16 step away (double rounding). Anything more is a real
    difference.
    """
    ours16 = ours.astype(np.float16)
    diff = np.abs(ours16.astype(np.float32) - theirs16.astype(np.float32))
    return bool(
        np.all(diff <= np.spacing(np.abs(theirs16)).astype(np.float32)))


def compare(ours_pkl: str, theirs_pkl: str, data_dir: str,
            clean: Dict[str, bool], exact: int) -> Dict:
    """Keypoints of the two pkls, and of ``exact`` files at full precision.

    The full-precision check parses the first ``exact`` common files with
    mmaction2's own ``read_xyz`` (what its converter stores after casting
    to float16) and requires our float32 keypoints to equal its values cast
    to float32, body for body.
    """
    ours, theirs = _load(ours_pkl), _load(theirs_pkl)
    common = sorted(set(ours) & set(theirs))
    same = {
        n
        for n in common if _match_bodies(ours[n], theirs[n], _equal_float16)
    }
    clean_names = [n for n in common if clean.get(n)]
    reader = _mmaction_reader()
    exact_names = common[:exact]
    exact_same = []
    for name in exact_names:
        reference = reader(
            osp.join(data_dir, name + '.skeleton')).astype(np.float32)
        if _match_bodies(ours[name], reference, np.array_equal):
            exact_same.append(name)
    return dict(
        ours=len(ours),
        mmaction=len(theirs),
        common=len(common),
        same_bodies=len(same),
        clean=len(clean_names),
        clean_same=sum(n in same for n in clean_names),
        exact_checked=len(exact_names),
        exact_same=len(exact_same),
        exact_same_clean=sum(bool(clean.get(n)) for n in exact_same),
        exact_clean=sum(bool(clean.get(n)) for n in exact_names),
        differ=[n for n in common if n not in same][:10])


def _mmaction_reader():
    """``read_xyz`` of mmaction2's converter, loaded from its file."""
    import importlib.util
    spec = importlib.util.spec_from_file_location('_mmaction_gen_ntu_raw',
                                                  mmaction_converter())
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.read_xyz


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Time NTU .skeleton -> pkl conversion against mmaction2')
    parser.add_argument('--num-files', type=int, default=3000)
    parser.add_argument(
        '--workers',
        type=int,
        nargs='+',
        default=[1, 2],
        help='worker counts to run our converter with')
    parser.add_argument('--min-frames', type=int, default=50)
    parser.add_argument('--max-frames', type=int, default=300)
    parser.add_argument(
        '--noise-rate',
        type=float,
        default=0.1,
        help='share of files with an extra noisy body')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument(
        '--data-dir',
        help='write the generated files here and keep them (default: a '
        'temporary folder, removed at the end)')
    parser.add_argument(
        '--skip-mmaction',
        action='store_true',
        help='time only our converter (no speed-up, no comparison)')
    parser.add_argument(
        '--exact-check',
        type=int,
        default=200,
        help='files compared at full precision with mmaction2\'s parser')
    parser.add_argument('--json', help='also write the results here')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    work_dir = tempfile.mkdtemp(prefix='bench_convert_')
    data_dir = args.data_dir or osp.join(work_dir, 'nturgb+d_skeletons')
    try:
        print(f'generating {args.num_files} files in {data_dir}',
              file=sys.stderr)
        clean = generate(data_dir, args.num_files, args.seed, args.min_frames,
                         args.max_frames, args.noise_rate)
        size = sum(
            osp.getsize(osp.join(data_dir, f)) for f in os.listdir(data_dir))
        results = dict(
            num_files=args.num_files,
            megabytes=round(size / 2**20, 1),
            cpu_count=os.cpu_count(),
            runs={})
        theirs_pkl = None
        if not args.skip_mmaction:
            print('running mmaction2 gen_ntu_rgbd_raw.py', file=sys.stderr)
            seconds, theirs_pkl = run_mmaction(data_dir, work_dir)
            results['runs']['mmaction2'] = seconds
        ours = {}
        for workers in args.workers:
            print(f'running gen_ntu_pkl.py --workers {workers}',
                  file=sys.stderr)
            seconds, ours[workers] = run_ours(data_dir, work_dir, workers)
            results['runs'][f'ours --workers {workers}'] = seconds
        if theirs_pkl is not None:
            results['comparison'] = compare(ours[args.workers[0]],
                                            theirs_pkl, data_dir, clean,
                                            args.exact_check)
        print(format_report(results))
        if args.json:
            with open(args.json, 'w') as handle:
                json.dump(results, handle, indent=1)
        return results
    finally:
        shutil.rmtree(work_dir, ignore_errors=True)


def format_report(results: Dict) -> str:
    lines = [
        f"{results['num_files']} generated NTU-60 .skeleton files "
        f"({results['megabytes']} MB), {results['cpu_count']} CPU cores", '',
        '| converter | seconds | files/s | speed-up vs mmaction2 |',
        '|---|---|---|---|'
    ]
    base = results['runs'].get('mmaction2')
    for name, seconds in results['runs'].items():
        speedup = f'{base / seconds:.1f}x' if base else '-'
        lines.append(f"| {name} | {seconds:.1f} "
                     f"| {results['num_files'] / seconds:.0f} | {speedup} |")
    comparison = results.get('comparison')
    if comparison:
        c = comparison
        lines += [
            '', f"Keypoints: {c['common']} samples in both pkls. Same bodies "
            f"with the same coordinates (float16, mmaction2's storage): "
            f"{c['same_bodies']}, of which every clean file: "
            f"{c['clean_same']}/{c['clean']}. Full precision against "
            f"mmaction2's read_xyz: {c['exact_same']}/{c['exact_checked']} "
            f"files identical (clean: {c['exact_same_clean']}/"
            f"{c['exact_clean']}). Files with a noisy body differ by design: "
            'ours drops noisy bodies and tracks bodies by bodyID.'
        ]
    return '\n'.join(lines)


if __name__ == '__main__':
    main()
