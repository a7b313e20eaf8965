"""Annotation files of the full datasets' sizes, for memory and start-up
measurements (random but valid keypoints, no motion).

    python tools/data/gen_scale_annotations.py --preset ntu120 \
        --out data/scale/ntu120_3d.pkl [--store] [--fraction 0.25]

Presets follow the shapes and dtypes of the files the training configs
read:

* ``ntu120``: 114,480 samples, ``keypoint`` float32 ``(M, T, 25, 3)``
  with M = 2 for a quarter of the samples and T from 32 to 300 frames
  (about 80 on average, as NTU RGB+D's recordings); splits ``xsub_train``
  (63,026) and ``xsub_val``; ``img_shape``/``original_shape`` as
  mmaction2's ``ntu120_3d.pkl``.
* ``kinetics``: 240,436 + 19,796 samples of 300 frames, 18 OpenPose
  joints, 2 persons, ``keypoint`` ``(2, 300, 18, 2)`` and
  ``keypoint_score`` ``(2, 300, 18)`` in float16, as
  ``tools/data/gen_kinetics_pkl.py`` writes them; splits ``train`` and
  ``val``.

``--fraction`` keeps that share of the samples (and of each split).
``--store`` writes a memory-mapped store (``tools/data/pack_annotations.py``'s
format) instead of a pkl, making each sample when it is written, so a
store larger than the memory can be written; a pkl is built in memory.
"""
import argparse
import os
import os.path as osp
import pickle
import sys
import time
from collections.abc import Sequence

import numpy as np

# isort: off
sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
import _bootstrap  # noqa: F401,E402  (tools/_bootstrap: sys.path)
# isort: on
from mmengine.utils import track_iter_progress  # noqa: E402

from lsta_mm.datasets.annotation_store import write_store  # noqa: E402

PRESETS = dict(
    ntu120=dict(samples=114480, splits=('xsub_train', 63026, 'xsub_val'),
                joints=25, channels=3, score=False, dtype='float32',
                frames=None, num_classes=120, img_shape=(1080, 1920)),
    kinetics=dict(samples=240436 + 19796, splits=('train', 240436, 'val'),
                  joints=18, channels=2, score=True, dtype='float16',
                  frames=300, num_classes=400, img_shape=(340, 256)))


class ScaleSamples(Sequence):
    """The samples of a preset, each made when it is indexed.

    Sample i is a fixed random block (made once) plus ``i / samples``, so
    every sample is finite, non-zero and different, at the cost of a copy.
    """

    def __init__(self, preset: str, fraction: float = 1.0, seed: int = 0):
        spec = PRESETS[preset]
        self.spec = spec
        self.count = max(2, int(round(spec['samples'] * fraction)))
        rng = np.random.default_rng(seed)
        if spec['frames'] is None:  # NTU: recordings of 32-300 frames
            self.frames = np.clip(
                np.round(rng.lognormal(np.log(75), 0.45, self.count)), 32,
                300).astype(int)
            self.persons = np.where(rng.uniform(size=self.count) < 0.25, 2,
                                    1)
        else:
            self.frames = np.full(self.count, spec['frames'])
            self.persons = np.full(self.count, 2)
        self.labels = rng.integers(0, spec['num_classes'], self.count)
        shape = (2, int(self.frames.max()), spec['joints'])
        self.block = rng.uniform(0.1, 1.0, shape + (spec['channels'], ))
        self.score_block = rng.uniform(0.1, 1.0, shape)

    def __len__(self) -> int:
        return self.count

    def name(self, i: int) -> str:
        return f'scale{i:06d}'

    def __getitem__(self, i: int) -> dict:
        if not 0 <= i < self.count:
            raise IndexError(i)
        m, t, spec = self.persons[i], self.frames[i], self.spec
        shift = i / self.count
        sample = dict(
            frame_dir=self.name(i),
            label=int(self.labels[i]),
            total_frames=int(t),
            img_shape=spec['img_shape'],
            original_shape=spec['img_shape'],
            keypoint=(self.block[:m, :t] + shift).astype(spec['dtype']))
        if spec['score']:
            sample['keypoint_score'] = self.score_block[:m, :t].astype(
                spec['dtype'])
        return sample

    def split(self) -> dict:
        first, first_size, second = self.spec['splits']
        cut = max(1, int(round(first_size * self.count /
                               self.spec['samples'])))
        names = [self.name(i) for i in range(self.count)]
        return {first: names[:cut], second: names[cut:]}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--preset', choices=sorted(PRESETS), required=True)
    parser.add_argument('--out', required=True,
                        help='.pkl, or the store directory with --store')
    parser.add_argument('--fraction', type=float, default=1.0,
                        help='share of the full size (default 1)')
    parser.add_argument('--store', action='store_true',
                        help='write a memory-mapped store, not a pkl')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--quiet', action='store_true')
    args = parser.parse_args(argv)
    if osp.exists(args.out):
        print(f'error: {args.out} already exists')
        return 2
    start = time.time()
    samples = ScaleSamples(args.preset, args.fraction, args.seed)
    progress = None if args.quiet else track_iter_progress(
        (samples, len(samples)), file=sys.stderr)
    if args.store:
        meta = write_store(samples, samples.split(), args.out,
                           source=f'gen_scale_annotations --preset '
                           f'{args.preset}', progress=progress)
        size = meta['rows']
        what = f'{size} person-frames'
    else:
        annotations = list(progress if progress is not None else samples)
        partial = args.out + '.partial'
        with open(partial, 'wb') as f:
            pickle.dump(dict(split=samples.split(), annotations=annotations),
                        f, protocol=4)
        os.replace(partial, args.out)
        what = f'{osp.getsize(args.out) / 2**30:.2f} GiB'
    print(f'{args.out}: {len(samples)} samples ({args.preset}, fraction '
          f'{args.fraction}), {what}; {time.time() - start:.0f} s')
    return 0


if __name__ == '__main__':
    sys.exit(main())
