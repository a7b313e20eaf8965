"""Train skeleton configs under one protocol and compare how well they learn.

Every model (ours and mmaction2's shipped skeleton configs) is trained on the
same annotation file under the same protocol (:func:`apply_protocol`: the
same splits, clip length, batch, lr scaling, cosine schedule and number of
epochs), once per epoch budget and seed, each run a fresh
``python tools/train.py RUN_DIR/config.py`` process (mmengine's Runner,
exactly as a user trains). The per-epoch validation top-1 of every run is
gathered into ``summary.md``/``summary.json``/``curves.png`` in the work
directory, rewritten after every finished run.

Runs live in ``WORK_DIR/runs/{model}/e{E}_s{S}/`` (``config.py``,
``train.log``, checkpoints, ``result.json``). A run with a ``result.json``
is skipped, an interrupted one resumes from its last checkpoint, so the
same command continues a stopped benchmark. Each epoch budget is an
independent run with a cosine schedule over its own length: the 8-epoch run
is not the 24-epoch run cut short.

Models: ``lsta``, ``lsta_bone``, ``lsta_tpa``, ``lsta_bone_tpa`` (our configs;
the last two without MAM) and
``lsta_<switch>`` for any ``configs/ablations/lsta_ntu60_xsub_joint_
<switch>.py`` (e.g. ``lsta_attn_output``); ``stgcn``,
``stgcnpp``, ``agcn`` and their ``_bone`` variants (mmaction2's shipped
NTU-60 X-Sub 3-D configs; ``agcn`` is the 2s-agcn config as shipped, with
AAGCN's attention switched off), ``aagcn``/``aagcn_bone`` (the same config
with the attention on); ``ctrgcn`` and ``msg3d`` with ``--mmaction-src``
(an mmaction2 source checkout with ``projects/``); ``NAME=CONFIG.py``;
``NAME=DATA@MODEL``: the pipelines, loaders and runtime of DATA with the
``model`` and optimizer of MODEL (either side a shortcut or a path);
``NAME=DATA@MODEL#net``: the same under DATA's optimizer. ``lsta_in_stgcn``
is ``stgcn@lsta`` (our network and lr in mmaction2's ST-GCN pipeline),
``tpa_in_stgcn`` is ``stgcn@lsta_tpa`` (the same without MAM),
``lsta_in_stgcn_its_lr`` is ``stgcn@lsta#net`` (ST-GCN's lr too),
``lsta_bone_in_stgcn`` is ``stgcn_bone@lsta_bone`` and ``stgcn_in_lsta`` is
``lsta@stgcn`` (mmaction2's ST-GCN and its lr in our pipeline).

Examples:
    python tools/analysis/learning_benchmark.py \\
        --models lsta stgcn stgcnpp lsta_tpa lsta_in_stgcn \\
        --ann-file data/benchmark/ntu_hard_3d.pkl \\
        --epochs 8 24 --seeds 0 1 2 --clip-len 50 --batch 16 \\
        --threads 2 --jobs 1 --work-dir work_dirs/learning_benchmark
    python tools/analysis/learning_benchmark.py --preset hard
    python tools/analysis/learning_benchmark.py --preset tiny   # CI, ~1 min
    python tools/analysis/learning_benchmark.py --preset hard \\
        --shuffle-labels --work-dir work_dirs/learning_benchmark_shuffled
    python tools/analysis/learning_benchmark.py --report-only \\
        --work-dir work_dirs/learning_benchmark
"""
import os
import os.path as osp
import sys

TOOLS_DIR = osp.dirname(osp.dirname(osp.abspath(__file__)))
if TOOLS_DIR not in sys.path:
    sys.path.insert(0, TOOLS_DIR)

import _bootstrap  # noqa: E402,I001  (sys.path, malloc settings: before torch)
import argparse  # noqa: E402
import copy  # noqa: E402
import dataclasses  # noqa: E402
import datetime  # noqa: E402
import glob  # noqa: E402
import hashlib  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import pickle  # noqa: E402
import re  # noqa: E402
import shlex  # noqa: E402
import signal  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from typing import Dict, List, Optional, Tuple  # noqa: E402

import benchmark  # noqa: E402  (tools/analysis: mmaction2's projects)
import confusion  # noqa: E402  (tools/analysis: most frequent mistakes)
from plot_curves import load_scalars  # noqa: E402  (tools/analysis)
import numpy as np  # noqa: E402
from mmengine.config import Config, ConfigDict  # noqa: E402

from lsta_mm.datasets import validation  # noqa: E402
from lsta_mm.safe_pickle import safe_load_pickle  # noqa: E402

ROOT = _bootstrap.ROOT
TRAIN_TOOL = osp.join(ROOT, 'tools', 'train.py')
GENERATOR = osp.join(ROOT, 'tools', 'data', 'gen_synthetic_ntu.py')

#: Our configs, relative to the repository root.
LSTA_CONFIGS = {
    'lsta': 'configs/lsta_ntu60_xsub_joint.py',
    'lsta_bone': 'configs/lsta_ntu60_xsub_bone.py',
    'lsta_tpa': 'configs/ablations/lsta_ntu60_xsub_joint_tpa_noattn.py',
    'lsta_bone_tpa': 'configs/ablations/lsta_ntu60_xsub_bone_tpa_noattn.py',
}
#: ``lsta_<switch>`` names the ablation config of that switch, e.g.
#: ``lsta_attn_output`` (relative to the repository root).
LSTA_ABLATION = 'configs/ablations/lsta_ntu60_xsub_joint_{switch}.py'
#: mmaction2's shipped NTU-60 X-Sub 3-D configs, relative to its
#: ``.mim/configs/skeleton/``.
MMACTION_CONFIGS = {
    'stgcn': 'stgcn/stgcn_8xb16-joint-u100-80e_ntu60-xsub-keypoint-3d.py',
    'stgcn_bone': 'stgcn/stgcn_8xb16-bone-u100-80e_ntu60-xsub-keypoint-3d.py',
    'stgcnpp':
    'stgcnpp/stgcnpp_8xb16-joint-u100-80e_ntu60-xsub-keypoint-3d.py',
    'stgcnpp_bone':
    'stgcnpp/stgcnpp_8xb16-bone-u100-80e_ntu60-xsub-keypoint-3d.py',
    'agcn': '2s-agcn/2s-agcn_8xb16-joint-u100-80e_ntu60-xsub-keypoint-3d.py',
    'agcn_bone':
    '2s-agcn/2s-agcn_8xb16-bone-u100-80e_ntu60-xsub-keypoint-3d.py',
}
#: mmaction2's 2s-agcn configs switch AAGCN's attention off
#: (``gcn_attention=False``); these names switch it back on, as
#: ``benchmark.py``'s ``aagcn`` does.
ATTENTION_ON = {'aagcn': 'agcn', 'aagcn_bone': 'agcn_bone'}
#: The joint config of a project of mmaction2's source tree
#: (``benchmark.PROJECT_PEERS``: ``ctrgcn``, ``msg3d``).
PROJECT_CONFIG = osp.join(
    'configs', '{name}_8xb16-joint-u100-80e_ntu60-xsub-keypoint-3d.py')
#: A network inside another config's data pipeline (``DATA@MODEL``), in
#: both directions. ``DATA@MODEL`` takes MODEL's network and optimizer (lr,
#: momentum, weight decay, ``auto_scale_lr``); ``DATA@MODEL#net`` its
#: network only, under DATA's optimizer.
COMPOSED = {
    'lsta_in_stgcn': 'stgcn@lsta',
    'tpa_in_stgcn': 'stgcn@lsta_tpa',
    'lsta_bone_in_stgcn': 'stgcn_bone@lsta_bone',
    'lsta_in_stgcn_its_lr': 'stgcn@lsta#net',
    'stgcn_in_lsta': 'lsta@stgcn',
}
NETWORK_ONLY = '#net'

#: Defaults of the full benchmark (``--preset hard`` and plain runs) and of
#: the CI preset; an option given on the command line wins.
DEFAULTS = dict(
    models=['lsta', 'stgcn', 'stgcnpp', 'lsta_tpa', 'lsta_in_stgcn'],
    epochs=[8, 24],
    seeds=[0, 1, 2],
    clip_len=50,
    batch=16,
    work_dir=osp.join('work_dirs', 'learning_benchmark'))
TINY_DEFAULTS = dict(
    models=['lsta', 'stgcn'],
    epochs=[1],
    seeds=[0],
    clip_len=16,
    batch=8,
    work_dir=osp.join('work_dirs', 'learning_benchmark_tiny'))
HARD_DATA = osp.join(ROOT, 'data', 'benchmark', 'ntu_hard_3d.pkl')
#: Seed of the label permutation of ``--shuffle-labels``.
SHUFFLE_SEED = 0
#: Validation metrics of mmaction2's ``AccMetric`` kept per epoch.
METRICS = ('acc/top1', 'acc/top5', 'acc/mean1')
_LOADERS = (('train_dataloader', 'train'), ('val_dataloader', 'val'),
            ('test_dataloader', 'test'))
_NAME = re.compile(r'^[A-Za-z0-9_.+-]+$')


# ---------------------------------------------------------------------------
# Configs
# ---------------------------------------------------------------------------
def mmaction_config_dir() -> str:
    """``configs/skeleton`` of the installed mmaction2 package."""
    import mmaction
    return osp.join(
        osp.dirname(mmaction.__file__), '.mim', 'configs', 'skeleton')


def _custom_imports(cfg) -> List[str]:
    imports = (cfg.get('custom_imports', None) or {}).get('imports', [])
    return [imports] if isinstance(imports, str) else list(imports)


def load_source(
        token: str,
        mmaction_src: Optional[str] = None) -> Tuple[Config, list, str]:
    """``(config, python paths, description)`` of a shortcut or a path.

    The python paths are folders the training process needs on
    ``PYTHONPATH`` (the ``projects/<name>`` of ctrgcn and msg3d, whose
    configs import their package as ``models``). Custom imports are not
    run here: only the training process builds the model.
    """
    python_paths = []
    ablation = osp.join(
        ROOT, LSTA_ABLATION.format(switch=token[len('lsta_'):]))
    if token in LSTA_CONFIGS:
        path = osp.join(ROOT, LSTA_CONFIGS[token])
    elif token.startswith('lsta_') and osp.isfile(ablation):
        path = ablation
    elif token in MMACTION_CONFIGS or token in ATTENTION_ON:
        path = osp.join(mmaction_config_dir(),
                        MMACTION_CONFIGS[ATTENTION_ON.get(token, token)])
    elif token in benchmark.PROJECT_PEERS:
        folder = benchmark.project_dir(mmaction_src, token)
        path = osp.join(folder, PROJECT_CONFIG.format(name=token))
        python_paths.append(osp.abspath(folder))
    elif token.endswith('.py'):
        path = token if osp.isfile(token) else osp.join(ROOT, token)
    else:
        known = sorted(
            list(LSTA_CONFIGS) + list(MMACTION_CONFIGS) + list(ATTENTION_ON) +
            list(benchmark.PROJECT_PEERS) + list(COMPOSED))
        raise ValueError(f'unknown model {token!r}: use one of {known}, '
                         'lsta_<switch> for configs/ablations/'
                         'lsta_ntu60_xsub_joint_<switch>.py, NAME=CONFIG.py '
                         'or NAME=DATA_CONFIG@MODEL_CONFIG')
    if not osp.isfile(path):
        raise FileNotFoundError(f'model {token!r}: config {path} not found')
    cfg = Config.fromfile(path, import_custom_modules=False)
    if 'model' not in cfg:
        raise KeyError(f'config {path} has no `model`')
    description = _describe(path)
    if token in ATTENTION_ON:
        cfg.model.backbone.pop('gcn_attention', None)
        description += ' with AAGCN\'s attention on'
    return cfg, python_paths, description


def _describe(path: str) -> str:
    path = osp.abspath(path)
    for folder, prefix in ((mmaction_config_dir(), 'mmaction2 '
                            'configs/skeleton/'), (ROOT, '')):
        if path.startswith(folder + os.sep):
            return prefix + osp.relpath(path, folder)
    return path


@dataclasses.dataclass
class ModelSpec:
    """A model of the benchmark: its name, where it comes from, its config.

    ``source`` is a shortcut, a config path, or ``DATA@MODEL``;
    ``description`` names the config files.
    """
    name: str
    source: str
    description: str
    cfg: Config
    python_paths: List[str]


def resolve_model(spec: str, mmaction_src: Optional[str] = None) -> ModelSpec:
    """The :class:`ModelSpec` of ``NAME``, ``NAME=CONFIG`` or
    ``NAME=DATA@MODEL[#net]`` (shortcuts allowed on both sides of ``@``)."""
    name, source = spec.split('=', 1) if '=' in spec else (spec, spec)
    if not _NAME.match(name):
        raise ValueError(f'model name {name!r}: use letters, digits and '
                         '_.+- only (it names a folder)')
    source = COMPOSED.get(source, source)
    if '@' not in source:
        cfg, python_paths, description = load_source(source, mmaction_src)
        return ModelSpec(name, source, description, cfg, python_paths)
    data, model = source.split('@', 1)
    network_only = model.endswith(NETWORK_ONLY)
    model = model[:-len(NETWORK_ONLY)] if network_only else model
    cfg, python_paths, data_description = load_source(data, mmaction_src)
    donor, donor_paths, model_description = load_source(model, mmaction_src)
    cfg.model = donor.model
    if not network_only:
        # A model's recipe is its network and its optimizer: mmaction2's
        # GCNs and ours each ship the lr they were tuned with.
        cfg.optim_wrapper = donor.optim_wrapper
        cfg.auto_scale_lr = donor.auto_scale_lr
    # The model's registrations must be imported by the training process
    # even though the runtime comes from the data config.
    imports = ['lsta_mm']
    for name_ in _custom_imports(cfg) + _custom_imports(donor):
        if name_ not in imports:
            imports.append(name_)
    cfg.custom_imports = dict(imports=imports, allow_failed_imports=False)
    paths = python_paths + [p for p in donor_paths if p not in python_paths]
    taken = 'model' if network_only else 'model and optimizer'
    description = (f'data, schedule and runtime of {data_description}; '
                   f'{taken} of {model_description}')
    return ModelSpec(name, source, description, cfg, paths)


@dataclasses.dataclass
class Protocol:
    """What every run of one benchmark shares (see :func:`apply_protocol`).

    ``ann_file`` is the file trained on (the label-shuffled copy with
    ``shuffle_labels``), ``source_ann_file`` the file given;
    ``num_train`` is the size of the training split.
    """
    ann_file: str
    source_ann_file: str
    train_split: str
    val_split: str
    num_classes: int
    num_train: int
    num_val: int
    clip_len: int
    batch: int
    num_workers: int = 1
    shuffle_labels: bool = False


def _type_name(cfg) -> str:
    """``type`` of a config dict without its scope (``mmengine.X`` -> X)."""
    return str(cfg.get('type', '')).split('.')[-1]


def _set_pipeline(pipeline, clip_len: int, test: bool) -> None:
    for transform in pipeline or []:
        if 'clip_len' in transform:
            transform['clip_len'] = clip_len
        if test and 'num_clips' in transform:
            transform['num_clips'] = 1


#: A run's final validation scores (mmengine ``DumpResults`` format).
VAL_SCORES = 'val_scores.pkl'


def apply_protocol(cfg: Config, protocol: Protocol, epochs: int, seed: int,
                   work_dir: str) -> Config:
    """Put ``cfg`` under the benchmark's protocol, in place; returns it.

    Overridden, and nothing else (the model, optimizer, pipelines' other
    transforms, evaluator and runtime stay the config's own):

    - ``{train,val,test}_dataloader``: a ``RepeatDataset`` wrapper is
      removed (an epoch is one pass over the training split); the dataset
      gets ``ann_file``, ``split`` (train: ``train_split``; val and test:
      ``val_split``) and, where it takes one (our ``LSTAPoseDataset``),
      ``num_classes``; ``batch_size=batch``, ``num_workers``,
      ``persistent_workers=num_workers > 0``;
    - every pipeline transform with a ``clip_len`` key (``SkeletonStream``,
      ``UniformSampleFrames``, ...) gets ``clip_len``; in the val and test
      pipelines ``num_clips=1`` where the key exists (one test clip). The
      top-level helpers ``ann_file`` and ``*_pipeline`` get the same
      values, so that the dumped config reads as it runs;
    - ``model.cls_head.num_classes``;
    - ``auto_scale_lr.enable=True``: the config's optimizer with its lr
      scaled by ``batch / auto_scale_lr.base_batch_size`` (ours 64,
      mmaction2's 128);
    - ``param_scheduler``: one ``CosineAnnealingLR(T_max=epochs,
      eta_min=0, by_epoch=True, convert_to_iter_based=True)``;
    - ``train_cfg``: ``EpochBasedTrainLoop`` with ``max_epochs=epochs``,
      ``val_begin=1``, ``val_interval=1``;
    - ``default_hooks.checkpoint``: ``interval=1``, ``max_keep_ckpts=1``,
      ``save_best=None`` (the last checkpoint only, to resume);
      ``default_hooks.logger.interval``: about four lines an epoch, at most
      every 50 iterations;
    - ``val_evaluator``: mmengine's ``DumpResults`` added, writing
      ``work_dir/val_scores.pkl`` after every validation (the last one
      stays: the report's most frequent mistakes);
    - ``randomness=dict(seed=seed)``; ``env_cfg.dist_cfg.backend='gloo'``;
      ``work_dir``; ``load_from=None``, ``resume=False``.

    Raises:
        ValueError: the config lacks a train loader or
            ``auto_scale_lr.base_batch_size``.
    """
    if cfg.get('train_dataloader', None) is None:
        raise ValueError('the config has no train_dataloader')
    scale = cfg.get('auto_scale_lr', None)
    if not scale or not scale.get('base_batch_size', None):
        raise ValueError('the config has no auto_scale_lr.base_batch_size: '
                         'the lr cannot be scaled to the protocol batch')
    for key, role in _LOADERS:
        loader = cfg.get(key, None)
        if loader is None:
            continue
        dataset = loader.dataset
        while _type_name(dataset) == 'RepeatDataset':
            dataset = dataset.dataset
        loader.dataset = dataset
        dataset.ann_file = protocol.ann_file
        dataset.split = (
            protocol.train_split if role == 'train' else protocol.val_split)
        takes_classes = _type_name(dataset) == 'LSTAPoseDataset'
        if takes_classes or 'num_classes' in dataset:
            dataset.num_classes = protocol.num_classes
        _set_pipeline(
            dataset.get('pipeline'), protocol.clip_len, role != 'train')
        loader.batch_size = protocol.batch
        loader.num_workers = protocol.num_workers
        loader.persistent_workers = protocol.num_workers > 0
    if 'ann_file' in cfg:
        cfg.ann_file = protocol.ann_file
    for key in [k for k in cfg.keys() if k.endswith('_pipeline')]:
        if isinstance(cfg[key], list):
            _set_pipeline(cfg[key], protocol.clip_len,
                          not key.startswith('train'))

    cfg.model.cls_head.num_classes = protocol.num_classes
    scale.enable = True
    cfg.param_scheduler = [
        dict(
            type='CosineAnnealingLR',
            T_max=epochs,
            eta_min=0,
            by_epoch=True,
            convert_to_iter_based=True)
    ]
    cfg.train_cfg = dict(
        type='EpochBasedTrainLoop',
        max_epochs=epochs,
        val_begin=1,
        val_interval=1)

    hooks = cfg.setdefault('default_hooks', ConfigDict())
    checkpoint = hooks.get('checkpoint', None)
    if checkpoint is None:
        checkpoint = ConfigDict(type='CheckpointHook')
    checkpoint.update(interval=1, max_keep_ckpts=1, save_best=None)
    hooks.checkpoint = checkpoint
    iters = math.ceil(protocol.num_train / protocol.batch)
    logger = hooks.get('logger', None)
    if logger is None:
        logger = ConfigDict(type='LoggerHook')
    logger.update(interval=max(1, min(50, iters // 4)), ignore_last=False)
    hooks.logger = logger

    evaluators = cfg.get('val_evaluator', None)
    if evaluators is not None:
        if not isinstance(evaluators, (list, tuple)):
            evaluators = [evaluators]
        cfg.val_evaluator = [
            e for e in evaluators if _type_name(e) != 'DumpResults'
        ] + [
            dict(
                type='DumpResults',
                out_file_path=osp.join(work_dir, VAL_SCORES))
        ]

    cfg.randomness = dict(seed=seed)
    env_cfg = cfg.setdefault('env_cfg', ConfigDict())
    env_cfg.dist_cfg = dict(backend='gloo')
    cfg.work_dir = work_dir
    cfg.load_from = None
    cfg.resume = False
    return cfg


# ---------------------------------------------------------------------------
# Data
# ---------------------------------------------------------------------------
def read_annotations(ann_file: str, train_split: str,
                     val_split: str) -> Tuple[dict, List[dict]]:
    """``(split, annotations)`` of a file, checked to hold both splits."""
    data = safe_load_pickle(ann_file)
    split, annotations = validation.check_structure(data, ann_file)
    for name in (train_split, val_split):
        if not split or name not in split:
            raise SystemExit(
                f'{ann_file} has no split {name!r} (it has '
                f'{sorted(split or {})}); pass --train-split/--val-split')
    return split, annotations


def make_protocol(args) -> Protocol:
    """The :class:`Protocol` of the command line (reads the file once)."""
    source = osp.abspath(args.ann_file)
    split, annotations = read_annotations(source, args.train_split,
                                          args.val_split)
    num_classes = args.num_classes
    if num_classes is None:
        num_classes = 1 + max(int(a['label']) for a in annotations)
    ann_file = source
    if args.shuffle_labels:
        stem = osp.splitext(osp.basename(source))[0]
        ann_file = osp.join(
            osp.abspath(args.work_dir), 'data', f'{stem}_shuffled.pkl')
        write_shuffled_labels(source, ann_file, args.train_split)
    return Protocol(
        ann_file=ann_file,
        source_ann_file=source,
        train_split=args.train_split,
        val_split=args.val_split,
        num_classes=num_classes,
        num_train=len(split[args.train_split]),
        num_val=len(split[args.val_split]),
        clip_len=args.clip_len,
        batch=args.batch,
        num_workers=args.num_workers,
        shuffle_labels=args.shuffle_labels)


def write_shuffled_labels(source: str,
                          out: str,
                          train_split: str,
                          seed: int = SHUFFLE_SEED) -> None:
    """Copy ``source`` to ``out`` with the training split's labels permuted.

    The permutation (seeded) keeps the class frequencies and breaks every
    link between a training sample and its label: a model that learns
    anything beyond chance on the untouched validation split reveals a
    leak. Written as plain dicts, lists and numpy arrays (pickle protocol
    4), which the restricted unpickler accepts. An existing ``out`` is kept.
    """
    if osp.isfile(out):
        return
    split, annotations = read_annotations(source, train_split, train_split)
    train = set(split[train_split])
    index = [
        i for i, anno in enumerate(annotations)
        if validation.sample_name(anno, i) in train
    ]
    labels = [int(annotations[i]['label']) for i in index]
    permuted = np.random.default_rng(seed).permutation(labels)
    annotations = [dict(anno) for anno in annotations]
    for i, label in zip(index, permuted):
        annotations[i]['label'] = int(label)
    data = dict(split=dict(split), annotations=annotations)
    os.makedirs(osp.dirname(out), exist_ok=True)
    _atomic_write(out, lambda f: pickle.dump(data, f, protocol=4), 'wb')


def generate_data(preset: str, out: str) -> None:
    """``tools/data/gen_synthetic_ntu.py --preset PRESET --out OUT``."""
    command = [sys.executable, GENERATOR, '--preset', preset, '--out', out]
    print(f'generating data: {shlex.join(command)}', flush=True)
    proc = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    if proc.returncode != 0:
        raise SystemExit(f'data generation failed (rc {proc.returncode}):\n'
                         f'{(proc.stdout + proc.stderr)[-2000:]}')
    if proc.stdout.strip():
        print(proc.stdout.strip().splitlines()[-1], flush=True)


def _atomic_write(path: str, write, mode: str = 'w') -> None:
    tmp = f'{path}.tmp{os.getpid()}'
    with open(tmp, mode) as handle:
        write(handle)
    os.replace(tmp, path)


# ---------------------------------------------------------------------------
# Runs
# ---------------------------------------------------------------------------
@dataclasses.dataclass
class Run:
    model: str
    epochs: int
    seed: int
    run_dir: str

    @property
    def tag(self) -> str:
        return f'{self.model} e{self.epochs} s{self.seed}'


def plan_runs(models: List[str], epochs: List[int], seeds: List[int],
              work_dir: str) -> List[Run]:
    """Every (model, budget, seed): shortest budgets first, and within a
    budget seed by seed with every model, so that a first comparison of all
    models is ready as early as possible."""
    runs = []
    for budget in sorted(set(epochs)):
        for seed in dict.fromkeys(seeds):
            for model in models:
                runs.append(
                    Run(model, budget, seed,
                        run_directory(work_dir, model, budget, seed)))
    return runs


def run_directory(work_dir: str, model: str, epochs: int, seed: int) -> str:
    return osp.join(osp.abspath(work_dir), 'runs', model, f'e{epochs}_s{seed}')


def child_env(threads: int, python_paths: List[str]) -> Dict[str, str]:
    env = dict(os.environ)
    env['OMP_NUM_THREADS'] = str(threads)
    env['MKL_NUM_THREADS'] = str(threads)
    env['PYTHONUNBUFFERED'] = '1'
    if python_paths:
        env['PYTHONPATH'] = os.pathsep.join(
            python_paths + [p for p in [env.get('PYTHONPATH')] if p])
    return env


def train_command(run: Run) -> List[str]:
    """``tools/train.py`` of a run, resuming when it has a checkpoint."""
    command = [
        sys.executable, TRAIN_TOOL,
        osp.join(run.run_dir, 'config.py'), '--work-dir', run.run_dir,
        '--seed',
        str(run.seed)
    ]
    if osp.isfile(osp.join(run.run_dir, 'last_checkpoint')):
        command.append('--resume')
    return command


def run_config(run: Run, spec: ModelSpec, protocol: Protocol) -> Config:
    """The config a run trains: the model's config under the protocol."""
    return apply_protocol(
        copy.deepcopy(spec.cfg), protocol, run.epochs, run.seed, run.run_dir)


#: The config keys that decide what a run learns (``tools/train.py`` adds
#: hooks and the launcher to a run's config; runs may be moved).
_RECIPE_KEYS = ('model', 'train_dataloader', 'val_dataloader',
                'test_dataloader', 'optim_wrapper', 'param_scheduler',
                'train_cfg', 'auto_scale_lr', 'randomness')


def _recipe_text(cfg: Config) -> str:
    """The text of a config's recipe keys (``pretty_text`` of a fresh
    ``Config``, so formatting differences do not count)."""
    return Config({key: cfg.get(key) for key in _RECIPE_KEYS}).pretty_text


def recipe_digest(cfg: Config) -> str:
    """SHA-256 of a config's recipe text; kept in ``result.json``."""
    return hashlib.sha256(_recipe_text(cfg).encode()).hexdigest()


def changed_runs(runs: List[Run], specs: Dict[str, ModelSpec],
                 protocol: Protocol) -> List[Run]:
    """Runs that trained something other than their model's config gives
    today (the config file was edited since): their results or checkpoints
    belong to another network or recipe. A run folder is judged by its
    ``config.py``, or, restored from the archive in docs/benchmark_runs
    without one, by the ``recipe_sha256`` of its ``result.json``."""
    changed = []
    for run in runs:
        path = osp.join(run.run_dir, 'config.py')
        result = read_result(run) or {}
        if osp.isfile(path):
            stored = recipe_digest(Config.fromfile(path))
        elif 'recipe_sha256' in result:
            stored = result['recipe_sha256']
        else:
            continue
        today = recipe_digest(run_config(run, specs[run.model], protocol))
        if stored != today:
            changed.append(run)
    return changed


def start_run(run: Run, spec: ModelSpec, protocol: Protocol,
              threads: int) -> Tuple[subprocess.Popen, bool]:
    """Write the run's config and start its training process."""
    os.makedirs(run.run_dir, exist_ok=True)
    run_config(run, spec, protocol).dump(osp.join(run.run_dir, 'config.py'))
    command = train_command(run)
    env = child_env(threads, spec.python_paths)
    with open(osp.join(run.run_dir, 'train.log'), 'a') as log:
        prefix = ''.join(
            f'{k}={shlex.quote(env[k])} '
            for k in ('OMP_NUM_THREADS', 'PYTHONPATH')
            if k in env and (k != 'PYTHONPATH' or spec.python_paths))
        log.write(f'# {_now()}: {prefix}{shlex.join(command)}\n')
        log.flush()
        proc = subprocess.Popen(
            command,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env,
            cwd=ROOT)
    return proc, '--resume' in command


def read_result(run: Run) -> Optional[dict]:
    path = osp.join(run.run_dir, 'result.json')
    if not osp.isfile(path):
        return None
    with open(path) as handle:
        return json.load(handle)


def collect_result(run: Run, spec: ModelSpec, wall: float,
                   resumed: bool) -> dict:
    """The finished run's ``result.json`` (written atomically).

    Raises:
        RuntimeError: the logs lack the last epoch's validation.
    """
    val = load_scalars(run.run_dir)['val']
    if 'acc/top1' not in val or not len(val['step']):
        raise RuntimeError('no validation accuracy in the logs')
    steps = [int(s) for s in val['step']]
    if steps[-1] != run.epochs:
        raise RuntimeError(f'the last validation is of epoch {steps[-1]}, '
                           f'not {run.epochs}')
    curves = {}
    for key in METRICS:
        values = val.get(key)
        by_epoch = {} if values is None else dict(zip(steps, values))
        curves[key] = [
            _finite(by_epoch.get(epoch)) for epoch in range(1, run.epochs + 1)
        ]
    result = dict(
        model=run.model,
        source=spec.source,
        epochs=run.epochs,
        seed=run.seed,
        top1=curves['acc/top1'][-1],
        top5=curves['acc/top5'][-1],
        mean1=curves['acc/mean1'][-1],
        top1_curve=curves['acc/top1'],
        top5_curve=curves['acc/top5'],
        wall_s=wall,
        resumed=resumed,
        config=osp.join(run.run_dir, 'config.py'),
        recipe_sha256=recipe_digest(
            Config.fromfile(osp.join(run.run_dir, 'config.py'))),
        finished=_now())
    _atomic_write(
        osp.join(run.run_dir, 'result.json'),
        lambda f: json.dump(result, f, indent=1))
    return result


def _finite(value) -> Optional[float]:
    if value is None or not math.isfinite(float(value)):
        return None
    return float(value)


def _now() -> str:
    return datetime.datetime.now(
        datetime.timezone.utc).strftime('%Y-%m-%d %H:%M UTC')


def _hms(seconds: Optional[float]) -> str:
    if seconds is None:
        return '?'
    seconds = int(round(seconds))
    return f'{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}'


def _last_lines(path: str, count: int) -> List[str]:
    try:
        with open(path, errors='replace') as handle:
            lines = [line.rstrip() for line in handle if line.strip()]
    except OSError:
        return []
    return lines[-count:]


class Scheduler:
    """Runs the planned runs, ``jobs`` at a time, and reports progress."""

    def __init__(self, runs, specs, protocol, args, on_change):
        self.runs, self.specs, self.protocol = runs, specs, protocol
        self.threads, self.jobs = args.threads, args.jobs
        self.on_change = on_change
        self.start = time.time()
        self.rates: Dict[str, List[float]] = {}  # seconds per epoch
        self.failed: Dict[str, str] = {}
        self.running: Dict[str, str] = {}

    def _seconds(self, run: Run) -> Optional[float]:
        rates = self.rates.get(
            run.model) or [r for v in self.rates.values() for r in v]
        return statistics.mean(rates) * run.epochs if rates else None

    def _eta(self, pending, active) -> Optional[float]:
        total = 0.0
        for run in pending:
            seconds = self._seconds(run)
            if seconds is None:
                return None
            total += seconds
        for run, started in active:
            seconds = self._seconds(run)
            if seconds is None:
                return None
            total += max(0.0, seconds - (time.time() - started))
        return total / self.jobs

    def _say(self, index, text, pending=(), active=(), extra='') -> None:
        width = len(str(len(self.runs)))
        elapsed = time.time() - self.start
        print(
            f'[{index:{width}d}/{len(self.runs)}] {text} '
            f'(elapsed {_hms(elapsed)}, ETA '
            f'{_hms(self._eta(pending, active))}){extra}',
            flush=True)

    def run(self) -> int:
        """Returns the number of failed runs."""
        pending = []
        for index, run in enumerate(self.runs, 1):
            result = read_result(run)
            if result is None:
                pending.append((index, run))
                continue
            if not result.get('resumed') and result.get('wall_s'):
                self.rates.setdefault(run.model,
                                      []).append(result['wall_s'] / run.epochs)
            print(
                f'[{index}/{len(self.runs)}] skipped {run.tag}: '
                f'result.json exists (top-1 {_pct(result["top1"])})',
                flush=True)
        active = {}  # Popen -> (index, run, started, resumed)
        # A terminated benchmark stops its training processes too (their
        # run folders resume on the next invocation).
        previous = signal.signal(signal.SIGTERM, _interrupt)
        try:
            while pending or active:
                while pending and len(active) < self.jobs:
                    index, run = pending.pop(0)
                    proc, resumed = start_run(run, self.specs[run.model],
                                              self.protocol, self.threads)
                    active[proc] = (index, run, time.time(), resumed)
                    self.running[run.run_dir] = 'running'
                    self._say(
                        index, f'start {run.tag}' +
                        (' (resuming)' if resumed else ''),
                        [r for _, r in pending],
                        [(r, t) for _, r, t, _ in active.values()])
                done = [proc for proc in active if proc.poll() is not None]
                if not done:
                    time.sleep(0.5)
                    continue
                for proc in done:
                    index, run, started, resumed = active.pop(proc)
                    self.running.pop(run.run_dir, None)
                    self._finish(proc.returncode, index, run,
                                 time.time() - started, resumed,
                                 [r for _, r in pending],
                                 [(r, t) for _, r, t, _ in active.values()])
        except KeyboardInterrupt:
            for proc in active:
                proc.terminate()
            for proc in active:
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    proc.kill()
            raise
        finally:
            signal.signal(signal.SIGTERM, previous)
        return len(self.failed)

    def _finish(self, code, index, run, wall, resumed, pending, active):
        log = osp.join(run.run_dir, 'train.log')
        error = None
        if code == 0:
            try:
                result = collect_result(run, self.specs[run.model], wall,
                                        resumed)
            except (OSError, ValueError, RuntimeError) as err:
                error = f'no result: {err}'
        else:
            error = f'exit code {code}'
        if error is None:
            if not resumed:
                self.rates.setdefault(run.model, []).append(wall / run.epochs)
            self._say(
                index, f'done {run.tag}: top-1 {_pct(result["top1"])}, '
                f'top-5 {_pct(result["top5"])} in {_hms(wall)}', pending,
                active)
        else:
            last = (_last_lines(log, 1) or ['(empty log)'])[0]
            self.failed[run.run_dir] = last
            self._say(index, f'FAILED {run.tag} ({error}) after '
                      f'{_hms(wall)}', pending, active,
                      f'\n    {last}\n    log: {log}')
        self.on_change(self.failed, self.running)


def _interrupt(signum, frame):
    raise KeyboardInterrupt(f'signal {signum}')


def _pct(value: Optional[float]) -> str:
    return '-' if value is None else f'{100 * value:.1f} %'


# ---------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------
def gather_results(work_dir: str) -> Tuple[List[dict], List[str]]:
    """``result.json`` of every finished run under ``work_dir/runs``, and
    the run folders without one."""
    results, unfinished = [], []
    pattern = osp.join(osp.abspath(work_dir), 'runs', '*', 'e*_s*')
    for run_dir in sorted(glob.glob(pattern)):
        path = osp.join(run_dir, 'result.json')
        if osp.isfile(path):
            with open(path) as handle:
                results.append(json.load(handle))
        else:
            unfinished.append(run_dir)
    return results, unfinished


def _stats(values: List[float]) -> Dict:
    values = [v for v in values if v is not None]
    if not values:
        return dict(mean=None, std=None, n=0)
    std = statistics.stdev(values) if len(values) > 1 else 0.0
    return dict(
        mean=statistics.mean(values),
        std=std,
        min=min(values),
        max=max(values),
        n=len(values))


def summarize(results: List[dict], order: List[str]) -> Dict:
    """``{model: {epochs: statistics over seeds}}``, models in ``order``
    first."""
    models = list(dict.fromkeys(order + sorted({r['model'] for r in results})))
    table = {}
    for model in models:
        mine = [r for r in results if r['model'] == model]
        if not mine:
            continue
        table[model] = {}
        for budget in sorted({r['epochs'] for r in mine}):
            runs = sorted((r for r in mine if r['epochs'] == budget),
                          key=lambda r: r['seed'])
            table[model][str(budget)] = dict(
                seeds=[r['seed'] for r in runs],
                top1=_stats([r['top1'] for r in runs]),
                top5=_stats([r['top5'] for r in runs]),
                mean1=_stats([r.get('mean1') for r in runs]),
                wall_s=_stats([r['wall_s'] for r in runs]),
                resumed=any(r.get('resumed') for r in runs))
    return table


def _cell(stats: Dict) -> str:
    if not stats['n']:
        return '-'
    if stats['n'] == 1:
        return f'{100 * stats["mean"]:.1f} (1)'
    return (f'{100 * stats["mean"]:.1f} ± {100 * stats["std"]:.1f} '
            f'({stats["n"]})')


def class_names_of(meta: Dict) -> List[str]:
    """Names from ``<annotation stem>_classes.txt`` beside the source
    annotation file (what ``gen_synthetic_ntu.py`` writes), else the class
    numbers (``confusion.read_class_names``)."""
    protocol = meta['protocol']
    path = osp.splitext(protocol['source_ann_file'])[0] + '_classes.txt'
    try:
        return confusion.read_class_names(
            path if osp.isfile(path) else None, protocol['num_classes'])
    except ValueError:  # a list of another dataset
        return confusion.read_class_names(None, protocol['num_classes'])


def mistakes_by_model(work_dir: str, results: List[dict],
                      top: int = 3) -> Dict[str, Dict[str, Dict]]:
    """model -> budget -> the most frequent mistakes of its final epochs.

    Sums the confusion matrices of the runs' ``val_scores.pkl`` over seeds
    (runs without one, e.g. from before the file was written, are left
    out). Each entry: ``seeds``, ``predictions``, ``errors`` and
    ``mistakes``, a list of ``[true, predicted, count, share of the true
    class]``.
    """
    groups: Dict[Tuple[str, int], List[str]] = {}
    for result in results:
        path = osp.join(
            run_directory(work_dir, result['model'], result['epochs'],
                          result['seed']), VAL_SCORES)
        if osp.isfile(path):
            groups.setdefault((result['model'], result['epochs']),
                              []).append(path)
    table: Dict[str, Dict[str, Dict]] = {}
    for (model, epochs), paths in groups.items():
        try:
            matrix = confusion.summed_confusion(sorted(paths))
        except (OSError, ValueError, pickle.UnpicklingError):
            continue  # an unreadable dump: that model has no entry
        table.setdefault(model, {})[str(epochs)] = dict(
            seeds=len(paths),
            predictions=int(matrix.sum()),
            errors=int(matrix.sum() - np.trace(matrix)),
            mistakes=[list(m) for m in confusion.top_mistakes(matrix, top)])
    return table


def format_mistakes(mistakes: Dict[str, Dict[str, Dict]],
                    names: List[str]) -> List[str]:
    """Markdown lines: per budget, each model's most frequent mistakes."""
    budgets = sorted({int(b) for row in mistakes.values() for b in row})
    lines = []
    for budget in budgets:
        lines += [
            '', f'Most frequent mistakes at {budget} epochs (true -> '
            'predicted: count, summed over the seeds\' final validation):',
            ''
        ]
        for model, row in mistakes.items():
            entry = row.get(str(budget))
            if entry is None:
                continue
            cells = ', '.join(
                f'{names[t]} -> {names[p]}: {n}'
                for t, p, n, _ in entry['mistakes']) or 'none'
            lines.append(
                f'- `{model}` ({entry["seeds"]} seed(s), {entry["errors"]} '
                f'of {entry["predictions"]} wrong): {cells}')
    return lines


def format_markdown(meta: Dict,
                    table: Dict,
                    unfinished: List[Dict],
                    mistakes: Optional[Dict] = None) -> str:
    protocol = meta['protocol']
    budgets = sorted({int(b) for row in table.values() for b in row})
    lines = [
        '# Learning benchmark', '', f'Date: {meta["date"]}.', '',
        f'Command: `{meta["command"]}`', '', 'Protocol (every model alike, '
        '`tools/analysis/learning_benchmark.py`, `apply_protocol`):', '',
        f'- data: `{protocol["source_ann_file"]}`, train split '
        f'`{protocol["train_split"]}` ({protocol["num_train"]} samples), '
        f'validation split `{protocol["val_split"]}` '
        f'({protocol["num_val"]} samples), {protocol["num_classes"]} '
        f'classes (chance {100 / protocol["num_classes"]:.1f} %)' +
        ('; **training labels randomly permuted** (calibration: expect '
         'chance)' if protocol['shuffle_labels'] else ''),
        f'- clip length {protocol["clip_len"]} frames, one clip at test '
        f'time; batch {protocol["batch"]}; each config\'s optimizer with lr '
        f'scaled by batch / its `auto_scale_lr.base_batch_size`; cosine '
        f'schedule to 0 over each run\'s own epochs (every budget is an '
        f'independent run); no `RepeatDataset` (an epoch is one pass over '
        f'the training split); validation after every epoch',
        '- cell: final-epoch validation accuracy (%), mean ± std over seeds '
        '(number of seeds); time: wall minutes per run (*: some runs were '
        'resumed, their time counts the last part only)', ''
    ]
    header = '| model |'
    rule = '|---|'
    for budget in budgets:
        header += (f' top-1, {budget} ep | top-5, {budget} ep '
                   f'| min/run, {budget} ep |')
        rule += '---|---|---|'
    lines += [header, rule]
    for model, row in table.items():
        line = f'| {model} |'
        for budget in budgets:
            entry = row.get(str(budget))
            if entry is None:
                line += ' - | - | - |'
                continue
            wall = entry['wall_s']['mean']
            wall = '-' if wall is None else f'{wall / 60:.1f}'
            if entry['resumed']:
                wall += '*'
            line += (f' {_cell(entry["top1"])} | {_cell(entry["top5"])} '
                     f'| {wall} |')
        lines.append(line)
    lines += ['', 'Models:', '']
    for model in meta.get('models', []):
        source = meta.get('sources', {}).get(model, '?')
        lines.append(f'- `{model}` (`{source}`): '
                     f'{meta.get("configs", {}).get(model, "?")}')
    if mistakes:
        lines += format_mistakes(mistakes, class_names_of(meta))
    if unfinished:
        lines += ['', 'Runs without a result:', '']
        for entry in unfinished:
            lines.append(f'- `{entry["run_dir"]}` ({entry["state"]}): '
                         f'{entry["last_line"]}')
    lines += [
        '', 'Per-epoch validation top-1: `curves.png`; every run: '
        '`summary.json` and `runs/MODEL/eE_sS/result.json`.', ''
    ]
    return '\n'.join(lines)


def plot_curves(results: List[dict],
                models: List[str],
                path: str,
                chance: Optional[float] = None) -> None:
    """Per-epoch validation top-1: one panel per budget, one colour per
    model, the mean over seeds with the min-max band shaded; chance as a
    dashed line."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator
    budgets = sorted({r['epochs'] for r in results})
    if not budgets:
        return
    fig, axes = plt.subplots(
        1, len(budgets), figsize=(5 * len(budgets), 4), squeeze=False)
    # one colour per model in every panel (20 before a colour repeats)
    colours = plt.get_cmap('tab10' if len(models) <= 10 else 'tab20')
    for ax, budget in zip(axes[0], budgets):
        for number, model in enumerate(models):
            curves = [
                r['top1_curve'] for r in results
                if r['model'] == model and r['epochs'] == budget
            ]
            if not curves:
                continue
            values = 100 * np.array([[np.nan if v is None else v for v in c]
                                     for c in curves],
                                    dtype=float)  # (seeds, epochs)
            epochs = np.arange(1, values.shape[1] + 1)
            colour = colours(number % colours.N)
            with warnings.catch_warnings():
                # an epoch no seed has reached yet stays a gap in the curve
                warnings.simplefilter('ignore', RuntimeWarning)
                mean = np.nanmean(values, axis=0)
                low = np.nanmin(values, axis=0)
                high = np.nanmax(values, axis=0)
            ax.plot(
                epochs,
                mean,
                marker='o',
                markersize=3,
                color=colour,
                label=f'{model} ({len(curves)})')
            if len(curves) > 1:
                ax.fill_between(
                    epochs, low, high, color=colour,
                    alpha=0.2)
        if chance is not None:
            ax.axhline(
                100 * chance, color='grey', linestyle='--', label='chance')
        ax.set_title(f'{budget} epoch{"s" if budget > 1 else ""}')
        ax.set_xlim(0.5, budget + 0.5)
        ax.set_ylim(0, 100)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel('epoch')
        ax.set_ylabel('validation top-1 (%)')
        ax.grid(alpha=0.3)
        ax.legend(fontsize='small')
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def write_report(work_dir: str,
                 failed: Optional[Dict[str, str]] = None,
                 running: Optional[Dict[str, str]] = None,
                 plot_models: Optional[List[str]] = None) -> Dict:
    """``summary.json``, ``summary.md`` and ``curves.png`` of ``work_dir``
    from the runs found there (finished ones and the rest); the curves of
    ``plot_models`` only, in that order, when given."""
    meta = load_meta(work_dir)
    if meta is None:
        raise SystemExit(f'{work_dir} holds no learning benchmark '
                         '(no protocol.json)')
    failed, running = failed or {}, running or {}
    results, missing = gather_results(work_dir)
    unfinished = []
    for run_dir in missing:
        state = 'running' if run_dir in running else (
            'failed' if run_dir in failed else 'not finished')
        last = (_last_lines(osp.join(run_dir, 'train.log'), 1) or ['-'])[0]
        unfinished.append(
            dict(
                run_dir=osp.relpath(run_dir, osp.abspath(work_dir)),
                state=state,
                last_line=last,
                log_tail=_last_lines(osp.join(run_dir, 'train.log'), 20)))
    meta = dict(meta, date=_now())
    table = summarize(results, meta.get('models', []))
    mistakes = mistakes_by_model(work_dir, results)
    summary = dict(
        meta,
        table=table,
        mistakes=mistakes,
        runs=results,
        unfinished=unfinished)
    _atomic_write(
        osp.join(work_dir, 'summary.json'),
        lambda f: json.dump(summary, f, indent=1))
    _atomic_write(
        osp.join(work_dir, 'summary.md'),
        lambda f: f.write(format_markdown(meta, table, unfinished, mistakes)))
    drawn = list(table) if not plot_models else [
        m for m in plot_models if m in table
    ]
    plot_curves(results, drawn, osp.join(work_dir, 'curves.png'),
                1 / meta['protocol']['num_classes'])
    return summary


def load_meta(work_dir: str) -> Optional[Dict]:
    path = osp.join(work_dir, 'protocol.json')
    if not osp.isfile(path):
        return None
    with open(path) as handle:
        return json.load(handle)


def save_meta(work_dir: str, protocol: Protocol, specs: Dict[str, ModelSpec],
              command: str) -> None:
    """Record the protocol in ``work_dir/protocol.json``; refuse to mix
    runs of another protocol (or another source for a model name) into a
    work directory."""
    meta = load_meta(work_dir) or dict(models=[], sources={}, configs={})
    new = dataclasses.asdict(protocol)
    if 'protocol' in meta and meta['protocol'] != new:
        diff = ', '.join(f'{k}: {meta["protocol"].get(k)!r} -> {v!r}'
                         for k, v in new.items()
                         if meta['protocol'].get(k) != v)
        raise SystemExit(f'{work_dir} holds runs of another protocol '
                         f'({diff}); use another --work-dir')
    for name, spec in specs.items():
        known = meta['sources'].get(name)
        if known is not None and known != spec.source:
            raise SystemExit(f'{work_dir}: model {name!r} was {known!r}, '
                             f'now {spec.source!r}; rename it')
        meta['sources'][name] = spec.source
        meta['configs'][name] = spec.description
        if name not in meta['models']:
            meta['models'].append(name)
    meta.update(protocol=new, command=command)
    os.makedirs(work_dir, exist_ok=True)
    _atomic_write(
        osp.join(work_dir, 'protocol.json'),
        lambda f: json.dump(meta, f, indent=1))


# ---------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------
def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Train skeleton configs under one protocol and compare '
        'how well they learn',
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__.split('Examples:')[1].join(['Examples:', '']))
    parser.add_argument(
        '--models',
        nargs='+',
        help='lsta, lsta_bone, lsta_tpa, lsta_bone_tpa, stgcn, stgcnpp, '
        'agcn, aagcn (+ _bone), ctrgcn, msg3d (with --mmaction-src), '
        'lsta_in_stgcn, tpa_in_stgcn, lsta_in_stgcn_its_lr, '
        'lsta_bone_in_stgcn, stgcn_in_lsta, '
        'NAME=CONFIG.py, NAME=DATA@MODEL (network and optimizer of MODEL) '
        'or NAME=DATA@MODEL#net (network only). Default: ' +
        ' '.join(DEFAULTS['models']))
    parser.add_argument(
        '--preset',
        choices=['tiny', 'hard'],
        help='tiny: generated tiny data, lsta and stgcn, 1 epoch, 1 seed, '
        'clip 16, batch 8 (CI); hard: gen_synthetic_ntu.py --preset hard '
        'data (generated once into data/benchmark/) with the full defaults')
    parser.add_argument(
        '--ann-file', help='annotation .pkl (required unless --preset)')
    parser.add_argument('--train-split', default='xsub_train')
    parser.add_argument('--val-split', default='xsub_val')
    parser.add_argument(
        '--num-classes',
        type=int,
        help='default: the largest label in the file + 1')
    parser.add_argument(
        '--epochs',
        type=int,
        nargs='+',
        help='epoch budgets, one independent run each (default 8 24)')
    parser.add_argument('--seeds', type=int, nargs='+', help='default 0 1 2')
    parser.add_argument(
        '--clip-len', type=int, help='frames per clip (default 50)')
    parser.add_argument(
        '--batch', type=int, help='batch size of every loader (default 16)')
    parser.add_argument(
        '--threads',
        type=int,
        default=2,
        help='torch threads per run (OMP_NUM_THREADS, MKL_NUM_THREADS)')
    parser.add_argument('--jobs', type=int, default=1, help='runs in parallel')
    parser.add_argument(
        '--num-workers',
        type=int,
        default=1,
        help='dataloader workers per run (persistent)')
    parser.add_argument(
        '--work-dir',
        help='default work_dirs/learning_benchmark (tiny: '
        'work_dirs/learning_benchmark_tiny)')
    parser.add_argument(
        '--mmaction-src',
        help='mmaction2 source checkout; enables ctrgcn and msg3d')
    parser.add_argument(
        '--shuffle-labels',
        action='store_true',
        help='train on a copy of the file with the training labels '
        'permuted (calibration: must give chance)')
    parser.add_argument(
        '--plot-models',
        nargs='+',
        help='draw only these models in curves.png, in this order '
        '(default: every model of the work dir)')
    parser.add_argument(
        '--report-only',
        action='store_true',
        help='only rebuild summary.md/json and curves.png from the run '
        'folders of --work-dir')
    args = parser.parse_args(argv)
    defaults = TINY_DEFAULTS if args.preset == 'tiny' else DEFAULTS
    for key, value in defaults.items():
        if getattr(args, key) is None:
            setattr(args, key, copy.deepcopy(value))
    if args.report_only:
        return args
    if args.ann_file is None and args.preset is None:
        parser.error('--ann-file is required (or --preset tiny/hard)')
    for name in ('batch', 'clip_len', 'threads', 'jobs'):
        if getattr(args, name) < 1:
            parser.error(f'--{name.replace("_", "-")} must be >= 1')
    if min(args.epochs) < 1 or args.num_workers < 0:
        parser.error('--epochs must be >= 1, --num-workers >= 0')
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    work_dir = args.work_dir
    if args.report_only:
        summary = write_report(work_dir, plot_models=args.plot_models)
        print(f'wrote {osp.join(work_dir, "summary.md")}: '
              f'{len(summary["runs"])} finished runs')
        return 0
    if args.ann_file is None:
        if args.preset == 'tiny':
            args.ann_file = osp.join(work_dir, 'data', 'ntu_tiny_3d.pkl')
        else:
            args.ann_file = HARD_DATA
        if not osp.isfile(args.ann_file):
            generate_data(args.preset, args.ann_file)
    specs = {}
    for spec in args.models:
        model = resolve_model(spec, args.mmaction_src)
        if model.name in specs:
            raise SystemExit(f'model name {model.name!r} given twice')
        specs[model.name] = model
    protocol = make_protocol(args)
    command = 'python ' + shlex.join(
        [osp.relpath(osp.abspath(__file__), ROOT)] + sys.argv[1:])
    # the protocol lock first: runs of another protocol differ everywhere
    save_meta(work_dir, protocol, specs, command)
    runs = plan_runs(list(specs), args.epochs, args.seeds, work_dir)
    changed = changed_runs(runs, specs, protocol)
    if changed:
        folders = ', '.join(
            osp.relpath(run.run_dir, work_dir) for run in changed)
        raise SystemExit(
            f'{work_dir}: {folders} trained another config than '
            f'{changed[0].model!r} names today (its config file changed): '
            f'delete those folders to rerun them, or give the new config '
            f'another name (NAME=CONFIG.py)')
    print(
        f'{len(runs)} runs of {len(specs)} models x {len(args.epochs)} '
        f'budgets x {len(set(args.seeds))} seeds in {work_dir}; '
        f'{protocol.num_train} training / {protocol.num_val} validation '
        f'samples, {protocol.num_classes} classes',
        flush=True)

    def report(failed=None, running=None):
        write_report(work_dir, failed, running, args.plot_models)

    scheduler = Scheduler(runs, specs, protocol, args, report)
    try:
        failures = scheduler.run()
    except KeyboardInterrupt:
        report(scheduler.failed)
        print(
            'interrupted: rerun the same command to continue (finished '
            'runs are kept, interrupted ones resume)',
            flush=True)
        return 130
    report(scheduler.failed)
    print(
        f'report: {osp.join(work_dir, "summary.md")}, '
        f'{osp.join(work_dir, "curves.png")}',
        flush=True)
    if failures:
        print(
            f'{failures} of {len(runs)} runs failed (logs: '
            f'RUN_DIR/train.log); rerun the same command to retry them',
            flush=True)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
