"""Throughput of the NTU training data pipeline, per loader worker.

Builds the training dataset of each config exactly as the Runner does
(``train_dataloader.dataset`` through mmaction2's ``DATASETS`` registry:
safe loading and validation of the pkl, then the config's pipeline of
normalisation, stream, replay padding and formatting) on a generated
annotation file of NTU-like sequences: upright moving bodies, two persons,
``--frames`` long (T=300, the padded length, by default: the worst case
for every array operation), or of random lengths with ``--mixed`` (70-300
frames, as NTU's recordings). Each config is timed as it stands and again
with its random crop and random affine augmentation switched on. The tool
times ``dataset[i]`` in this single process, which is what one
``DataLoader`` worker does, and reports samples/s per worker.

The loader keeps up when one worker's rate is a multiple of the model's
training rate; the tool measures the latter for the config's model on this
machine (batch ``--batch``, T=``--frames``; or take ``--model-sps``) and
prints the ratio.

Examples:
    python tools/analysis/bench_pipeline.py --threads 2
    python tools/analysis/bench_pipeline.py configs/lsta_ntu60_xsub_bone.py \\
        --mixed --samples 400
"""
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
import benchmark  # noqa: E402,I001  (first: malloc re-exec, sys.path)

import argparse  # noqa: E402
import copy  # noqa: E402
import pickle  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from typing import Dict, List  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402

from bench_convert import make_body  # noqa: E402

DEFAULT_CONFIGS = [
    osp.join('configs', 'lsta_ntu60_xsub_joint.py'),
    osp.join('configs', 'lsta_ntu60_xsub_bone.py')
]


def make_annotations(num_samples: int,
                     frames: int,
                     mixed: bool,
                     seed: int = 0,
                     split: str = 'xsub_train') -> Dict:
    """NTU-60-format annotations: two moving persons per sample."""
    rng = np.random.default_rng(seed)
    annotations, names = [], []
    for index in range(num_samples):
        num_frames = int(rng.integers(70, frames + 1)) if mixed else frames
        keypoint = np.stack([
            make_body(rng, num_frames, -0.4),
            make_body(rng, num_frames, 0.4)
        ]).astype(np.float32)  # (M, T, V, C)
        name = f'S001C001P001R001A{index % 60 + 1:03d}_{index:05d}'
        annotations.append(
            dict(
                frame_dir=name,
                label=index % 60,
                keypoint=keypoint,
                total_frames=num_frames))
        names.append(name)
    return dict(split={split: names}, annotations=annotations)


def _innermost(dataset_cfg: dict) -> dict:
    """The dataset dict that holds ``ann_file`` (inside any wrapper)."""
    cfg = dataset_cfg
    while 'ann_file' not in cfg:
        if 'dataset' not in cfg:
            raise KeyError('train_dataloader.dataset has no ann_file')
        cfg = cfg['dataset']
    return cfg


def build_train_dataset(config: str, ann_file: str, augment: bool = False):
    """The config's training dataset, reading ``ann_file`` instead.

    With ``augment``, every ``SkeletonStream`` of the pipeline also runs
    its random crop and random affine augmentation (default arguments)
    where the config leaves them off.
    """
    from mmengine.config import Config
    from mmaction.registry import DATASETS
    cfg = Config.fromfile(config)
    dataset_cfg = copy.deepcopy(cfg.train_dataloader.dataset.to_dict())
    inner = _innermost(dataset_cfg)
    inner['ann_file'] = ann_file
    inner.pop('data_prefix', None)
    if augment:
        for step in inner['pipeline']:
            if step.get('type') == 'SkeletonStream':
                step['random_crop'] = step.get('random_crop') or {}
                step['random_affine'] = step.get('random_affine') or {}
    return DATASETS.build(dataset_cfg), inner


def time_dataset(dataset, passes: int) -> List[float]:
    """Seconds per sample of ``dataset[i]`` over every sample, per pass."""
    rates = []
    for _ in range(passes):
        start = time.perf_counter()
        for index in range(len(dataset)):
            dataset[index]
        rates.append((time.perf_counter() - start) / len(dataset))
    return rates


def model_train_sps(config: str, frames: int, batch: int,
                    repeats: int) -> float:
    """Training samples/s of the config's model here (benchmark.Runner)."""
    _, label, model_cfg = benchmark.resolve_model(f'model={config}')
    runner = benchmark.Runner('model', label, model_cfg, 'cpu', False, batch,
                              frames)
    runner.train_step()  # warm-up
    times = [runner.train_step() for _ in range(repeats)]
    return batch / statistics.median(times)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Samples/s per worker of the NTU training pipeline')
    parser.add_argument(
        'configs',
        nargs='*',
        default=None,
        help='configs whose train pipeline to time (default: the NTU-60 '
        'joint and bone configs)')
    parser.add_argument('--samples', type=int, default=200)
    parser.add_argument(
        '--frames', type=int, default=300, help='sequence length T')
    parser.add_argument(
        '--mixed',
        action='store_true',
        help='random lengths between 70 and --frames')
    parser.add_argument('--passes', type=int, default=3)
    parser.add_argument(
        '--model-sps',
        type=float,
        help='model training samples/s to compare with (default: measure '
        'the config\'s model here)')
    parser.add_argument('--batch', type=int, default=8)
    parser.add_argument(
        '--model-repeats', type=int, default=3, help='timed model steps')
    parser.add_argument('--threads', type=int, default=None)
    parser.add_argument('--seed', type=int, default=0)
    args = parser.parse_args(argv)
    if not args.configs:
        args.configs = [
            osp.join(benchmark.ROOT, c) for c in DEFAULT_CONFIGS
            if osp.isfile(osp.join(benchmark.ROOT, c))
        ]
        if not args.configs:
            parser.error('no config given and the default NTU-60 configs '
                         'do not exist')
    if args.samples < 1 or args.passes < 1 or args.frames < 70:
        parser.error('need --samples >= 1, --passes >= 1, --frames >= 70')
    return args


def main(argv=None):
    args = parse_args(argv)
    if args.threads is not None:
        torch.set_num_threads(args.threads)
    benchmark.setup_registry()
    rows = []
    with tempfile.TemporaryDirectory(prefix='bench_pipeline_') as tmp:
        for config in args.configs:
            # The split name the config reads (default xsub_train).
            from mmengine.config import Config
            inner = _innermost(
                Config.fromfile(config).train_dataloader.dataset.to_dict())
            split = inner.get('split', 'xsub_train') or 'xsub_train'
            ann_file = osp.join(tmp, f'{split}.pkl')
            with open(ann_file, 'wb') as handle:
                pickle.dump(
                    make_annotations(args.samples, args.frames, args.mixed,
                                     args.seed, split), handle)
            model_sps = args.model_sps
            if model_sps is None:
                model_sps = model_train_sps(config, args.frames, args.batch,
                                            args.model_repeats)
            for augment in (False, True):
                dataset, _ = build_train_dataset(config, ann_file, augment)
                dataset[0]  # warm-up: lazy imports, first allocations
                per_sample = statistics.median(
                    time_dataset(dataset, args.passes))
                rows.append(
                    dict(
                        config=osp.relpath(config, benchmark.ROOT)
                        if osp.isabs(config) else config,
                        augment=augment,
                        samples_per_s=1 / per_sample,
                        ms_per_sample=per_sample * 1e3,
                        input_shape=tuple(dataset[0]['inputs'].shape),
                        model_sps=model_sps,
                        ratio=1 / per_sample / model_sps))
    lengths = (f'70-{args.frames} frames (mixed)'
               if args.mixed else f'T={args.frames}')
    print(f'\nTraining pipeline, one worker, {args.samples} generated '
          f'2-person samples of {lengths}, median of {args.passes} passes; '
          f'torch threads {torch.get_num_threads()}\n')
    print('| config | pipeline | samples/s per worker | ms/sample '
          '| network input | model train samples/s | pipeline / model |')
    print('|---|---|---|---|---|---|---|')
    for row in rows:
        steps = ('as configured + random crop + random affine'
                 if row['augment'] else 'as configured')
        print(f"| {row['config']} | {steps} | {row['samples_per_s']:.0f} "
              f"| {row['ms_per_sample']:.2f} | {row['input_shape']} "
              f"| {row['model_sps']:.2f} | {row['ratio']:.0f}x |")
    return rows


if __name__ == '__main__':
    main()
