"""Write a synthetic skeleton dataset in the NTU RGB+D pkl format.

    python tools/data/gen_synthetic_ntu.py --out data/demo/ntu_demo_3d.pkl
    python tools/data/gen_synthetic_ntu.py --preset hard \
        --out data/benchmark/ntu_hard_3d.pkl [--mmaction-out DIR]

``--preset demo`` (the default) is the demo's easy data, described below.
``--preset hard`` is the learning benchmark's data (``synthetic_hard.py``
beside this file: 20 actions, 40 performers, 600 training / 300 test
recordings): it writes raw ``.skeleton`` files (``--raw-dir``, default
``<out without .pkl>_skeletons``), converts them with
``tools/data/gen_ntu_pkl.py`` into ``--out`` and, with ``--mmaction-out``,
also with mmaction2's own ``gen_ntu_rgbd_raw.py``. ``--preset tiny`` is the
same generator with 4 actions and 24 recordings, for tests.

Eight actions of a 25-joint NTU skeleton that differ in which limbs move
and in tempo (two differ only in tempo), with random duration (40-100
frames), body size, orientation, position, amplitude, phase and noise, and a
second, idle person in some samples. Subjects follow NTU's naming
(``SsssCcccPpppRrrrAaaa``) and the official cross-subject training subjects,
so ``xsub_train``/``xsub_val`` (and ``xview_*``) splits exist. Deterministic
for a given ``--seed``. Every preset writes its label map beside the pkl
(``<out stem>_classes.txt``, one class name per line).
"""
import argparse
import os
import os.path as osp
import pickle
import subprocess
import sys

import numpy as np

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
import synthetic_hard  # noqa: E402  (sibling module of this tool)

#: Rest pose of the 25 NTU joints (x to the person's left, y up, metres).
REST_POSE = np.array(
    [[0.0, 0.0, 0.0], [0.0, 0.3, 0.0], [0.0, 0.55, 0.0], [0.0, 0.7, 0.0],
     [0.18, 0.5, 0.0], [0.2, 0.25, 0.0], [0.22, 0.02, 0.0],
     [0.22, -0.05, 0.0], [-0.18, 0.5, 0.0], [-0.2, 0.25, 0.0],
     [-0.22, 0.02, 0.0], [-0.22, -0.05, 0.0], [0.1, -0.02, 0.0],
     [0.1, -0.45, 0.0], [0.1, -0.85, 0.0], [0.1, -0.9, 0.1],
     [-0.1, -0.02, 0.0], [-0.1, -0.45, 0.0], [-0.1, -0.85, 0.0],
     [-0.1, -0.9, 0.1], [0.0, 0.5, 0.0], [0.22, -0.12, 0.0],
     [0.25, -0.05, 0.03], [-0.22, -0.12, 0.0], [-0.25, -0.05, 0.03]])

LEFT_FOREARM = [6, 7, 21, 22]
LEFT_ARM = [5] + LEFT_FOREARM
RIGHT_FOREARM = [10, 11, 23, 24]
RIGHT_ARM = [9] + RIGHT_FOREARM
LEFT_SHIN = [14, 15]
RIGHT_SHIN = [18, 19]
UPPER_BODY = [1, 2, 3, 4, 20] + LEFT_ARM + RIGHT_ARM + [8]

#: (name, cycles per frame) of the eight actions.
ACTIONS = (('wave right hand', 1 / 12), ('wave left hand', 1 / 12),
           ('raise both arms', 1 / 60), ('kick right leg', 1 / 25),
           ('squat', 1 / 40), ('march in place', 1 / 20),
           ('clap', 1 / 8), ('wave right hand slowly', 1 / 36))

#: Official NTU-60 cross-subject training subjects.
TRAIN_SUBJECTS = (1, 2, 4, 5, 8, 9, 13, 14, 15, 16, 17, 18, 19, 25, 27, 28,
                  31, 34, 35, 38)


def animate(action: int, num_frames: int, rng: np.random.Generator):
    """Joint positions ``(T, 25, 3)`` of one performance of ``action``."""
    freq = ACTIONS[action][1] * rng.uniform(0.85, 1.15)
    phase = 2 * np.pi * (freq * np.arange(num_frames) + rng.uniform())
    wave = np.sin(phase)[:, None]  # (T, 1)
    ramp = (1 - np.cos(phase))[:, None] / 2  # (T, 1), 0..1
    amp = rng.uniform(0.8, 1.2)
    pose = np.repeat(REST_POSE[None], num_frames, axis=0)  # (T, V, 3)
    if action in (0, 1, 7):  # raise the forearm, swing it sideways
        arm, fore, side = ((RIGHT_ARM, RIGHT_FOREARM, -1) if action != 1
                           else (LEFT_ARM, LEFT_FOREARM, 1))
        pose[:, arm, 1] += 0.45
        pose[:, fore, 1] += 0.25
        pose[:, fore, 0] += side * 0.05 + amp * 0.18 * wave
    elif action == 2:  # both arms up and down once per cycle
        for arm in (LEFT_ARM, RIGHT_ARM):
            pose[:, arm, 1] += amp * 0.7 * ramp
    elif action == 3:  # right foot kicks forward
        pose[:, [17], 2] += amp * 0.25 * np.maximum(wave, 0)
        pose[:, RIGHT_SHIN, 2] += amp * 0.55 * np.maximum(wave, 0)
        pose[:, RIGHT_SHIN, 1] += amp * 0.25 * np.maximum(wave, 0)
    elif action == 4:  # body goes down, knees forward
        pose[:, UPPER_BODY + [0, 12, 16], 1] -= amp * 0.35 * ramp
        pose[:, [13, 17], 2] += amp * 0.25 * ramp
    elif action == 5:  # knees up in turn
        for knee, shin, sign in ((13, LEFT_SHIN, 1), (17, RIGHT_SHIN, -1)):
            lift = amp * 0.3 * np.maximum(sign * wave, 0)
            pose[:, [knee], 1] += lift
            pose[:, [knee], 2] += lift
            pose[:, shin, 1] += lift
    elif action == 6:  # hands meet in front of the chest
        for fore, arm, side in ((LEFT_FOREARM, LEFT_ARM, 1),
                                (RIGHT_FOREARM, RIGHT_ARM, -1)):
            pose[:, arm, 2] += 0.25
            pose[:, arm, 1] += 0.3
            pose[:, fore, 0] -= side * amp * 0.18 * ramp
    return pose


def place(pose: np.ndarray, rng: np.random.Generator, offset_x=0.0):
    """Scale, turn about the vertical axis, put in front of the camera."""
    angle = rng.uniform(-np.pi / 6, np.pi / 6)
    rot = np.array([[np.cos(angle), 0, np.sin(angle)], [0, 1, 0],
                    [-np.sin(angle), 0, np.cos(angle)]])
    pose = pose * rng.uniform(0.9, 1.1) @ rot.T
    shift = np.array([offset_x + rng.uniform(-0.3, 0.3),
                      rng.uniform(-0.1, 0.1), 3.0 + rng.uniform(-0.4, 0.4)])
    pose = pose + shift + rng.normal(0, 0.01, pose.shape)
    return pose.astype(np.float32)


def generate(num_per_class: int = 60,
             seed: int = 0,
             min_frames: int = 40,
             max_frames: int = 100,
             second_person: float = 0.3) -> dict:
    """The dataset as ``dict(split=..., annotations=[...])``."""
    rng = np.random.default_rng(seed)
    annotations = []
    split = {k: [] for k in ('xsub_train', 'xsub_val', 'xview_train',
                             'xview_val')}
    for action in range(len(ACTIONS)):
        for index in range(num_per_class):
            subject = 1 + index % 40
            camera = 1 + index % 3
            num_frames = int(rng.integers(min_frames, max_frames + 1))
            people = [place(animate(action, num_frames, rng), rng)]
            if rng.uniform() < second_person:  # an idle bystander
                idle = np.repeat(REST_POSE[None], num_frames, axis=0)
                people.append(place(idle, rng, offset_x=1.0))
            name = (f'S001C{camera:03d}P{subject:03d}R{1 + index // 40:03d}'
                    f'A{action + 1:03d}')
            annotations.append(
                dict(
                    frame_dir=name,
                    label=action,
                    keypoint=np.stack(people),
                    total_frames=num_frames))
            xsub = 'train' if subject in TRAIN_SUBJECTS else 'val'
            xview = 'train' if camera in (2, 3) else 'val'
            split[f'xsub_{xsub}'].append(name)
            split[f'xview_{xview}'].append(name)
    return dict(split=split, annotations=annotations)


def write_label_map(out: str, names) -> str:
    """The label map beside ``out`` (``<stem>_classes.txt``, where
    ``tools/test.py --confusion`` and the converters' users find it)."""
    sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(
        osp.abspath(__file__)))))
    from lsta_mm.datasets.custom_data import label_map_path
    path = label_map_path(out)
    with open(path, 'w') as f:
        f.write(''.join(f'{name}\n' for name in names))
    return path


def write_preset(preset: str, out: str, raw_dir: str = None,
                 seed: int = 0, mmaction_out: str = None) -> dict:
    """Write a ``synthetic_hard`` preset as raw files and convert them."""
    from mmengine.utils import ProgressBar

    from gen_ntu_pkl import convert
    raw_dir = raw_dir or osp.splitext(out)[0] + '_skeletons'
    spec = synthetic_hard.PRESETS[preset]
    total = len(spec['labels']) * (spec['train'] + spec['test'])
    print(f'writing {total} .skeleton files of the {preset!r} preset to '
          f'{raw_dir}', file=sys.stderr)
    bar = ProgressBar(total, file=sys.stderr)
    for name in os.listdir(raw_dir) if osp.isdir(raw_dir) else []:
        if name.endswith('.skeleton'):  # a previous, maybe other, preset
            os.remove(osp.join(raw_dir, name))
    synthetic_hard.write_recordings(raw_dir, preset, seed, bar.update)
    print(file=sys.stderr)
    summary = convert(raw_dir, out, 'ntu60', workers=1, quiet=True)
    names = synthetic_hard.class_names(preset)  # label -> name
    write_label_map(out, [names[i] for i in range(len(names))])
    if mmaction_out:
        import mmaction
        script = osp.join(
            osp.dirname(mmaction.__file__), '.mim', 'tools', 'data',
            'skeleton', 'gen_ntu_rgbd_raw.py')
        os.makedirs(mmaction_out, exist_ok=True)
        # outside raw_dir: mmaction2 takes every file there for a sample
        empty = osp.join(mmaction_out, 'no_missing_skeletons.txt')
        open(empty, 'w').close()  # its default list path is relative
        subprocess.run([
            sys.executable, script, '--data-path', raw_dir + os.sep,
            '--ignored-sample-path', empty, '--out-folder', mmaction_out,
            '--task', 'ntu60'
        ], check=True, stdout=subprocess.DEVNULL)
        os.remove(empty)
        summary['mmaction_pkl'] = osp.join(mmaction_out, 'ntu60_3d.pkl')
    return summary


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument(
        '--preset',
        choices=('demo', ) + tuple(synthetic_hard.PRESETS),
        default='demo',
        help='demo: the easy 8-action demo data; hard: the learning '
        'benchmark (20 actions, raw .skeleton files); tiny: 4 actions of '
        'the hard generator, for tests')
    parser.add_argument(
        '--raw-dir', help='hard/tiny: where the .skeleton files go')
    parser.add_argument(
        '--mmaction-out',
        help='hard/tiny: also convert with mmaction2\'s gen_ntu_rgbd_raw.py '
        'into this folder (ntu60_3d.pkl)')
    parser.add_argument(
        '--out', default=osp.join('data', 'demo', 'ntu_demo_3d.pkl'))
    parser.add_argument(
        '--num-per-class',
        type=int,
        default=60,
        help='samples per action (8 actions)')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--min-frames', type=int, default=40)
    parser.add_argument('--max-frames', type=int, default=100)
    args = parser.parse_args(argv)
    if args.preset != 'demo':
        summary = write_preset(args.preset, args.out, args.raw_dir,
                               args.seed, args.mmaction_out)
        print(f'wrote {args.out}: ' +
              ', '.join(f'{k}={v}' for k, v in summary.items()))
        return
    data = generate(args.num_per_class, args.seed, args.min_frames,
                    args.max_frames)
    os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
    with open(args.out, 'wb') as f:
        pickle.dump(data, f, protocol=pickle.HIGHEST_PROTOCOL)
    write_label_map(args.out, [name for name, _ in ACTIONS])
    sizes = ', '.join(f'{k}={len(v)}' for k, v in data['split'].items())
    print(f'wrote {args.out}: {len(data["annotations"])} samples, '
          f'{len(ACTIONS)} actions; {sizes}')


if __name__ == '__main__':
    main()
