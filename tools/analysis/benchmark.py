"""Benchmark LSTA-Net against mmaction2's skeleton GCNs, side by side.

Every model is built through mmaction2's registry as a ``RecognizerGCN`` and
measured in one process on the same input (NTU-60: N samples of one clip,
M=2 persons, V=25 joints, C=3 coordinates, T frames):

- parameters;
- FLOPs per sample (one clip, M persons) from :mod:`mmengine.analysis`,
  which counts one multiply-add as one FLOP (so "GFLOPs" here are GMACs);
- training throughput: samples/s of one optimiser step (data preprocessor,
  forward, loss, backward, SGD step: what mmengine's Runner runs), median
  over repeated timed steps after warm-up;
- inference throughput: samples/s of ``test_step`` (no grad, eval mode);
- peak memory of a training and an inference step (CPU: growth of the peak
  resident set, ``VmHWM``, in a fresh child process per model; CUDA:
  ``torch.cuda.max_memory_allocated`` above the resting allocation);
- the machine's matmul GFLOP/s (a square fp32 matmul, or fp16 with
  ``--amp`` on CUDA) and the share of it each model reaches, counting
  2 FLOPs per MAC and a training step as 3x the forward pass.

Timing rounds are interleaved (one step of each model per round, in a
rotating order) so that load from other processes hits every model alike.
The first model is the reference: the ratio table divides it by each peer.

Models are named on the command line: ``stgcn``, ``stgcnpp``, ``aagcn``,
``agcn`` (mmaction2's shipped configs), ``msg3d`` and ``ctrgcn`` (need
``--mmaction-src``, an mmaction2 source checkout with ``projects/``),
``lsta`` (``configs/lsta_ntu60_xsub_joint.py``), or ``NAME=CONFIG.py`` for
the ``model`` of any config.

Examples:
    python tools/analysis/benchmark.py --threads 2
    python tools/analysis/benchmark.py --T 300 --models lsta stgcnpp
    python tools/analysis/benchmark.py --mmaction-src ~/mmaction2 \\
        --models lsta stgcn stgcnpp aagcn msg3d ctrgcn
    python tools/analysis/benchmark.py --device cuda --amp --batch 64
    python tools/analysis/benchmark.py --profile lsta --T 300
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
import datetime  # noqa: E402
import importlib.util  # noqa: E402
import json  # noqa: E402
import logging  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from typing import Dict, List, Optional  # noqa: E402

import complexity  # noqa: E402  (tools/analysis: the FLOP counter)
import torch  # noqa: E402
from torch import nn  # noqa: E402

ROOT = _bootstrap.ROOT
DEFAULT_LSTA_CONFIG = osp.join('configs', 'lsta_ntu60_xsub_joint.py')
FALLBACK_LSTA_CONFIG = osp.join('configs', '_base_', 'models', 'lsta.py')
NUM_CLASSES = 60
NUM_JOINTS = 25
NUM_COORDS = 3


def _recognizer(backbone: dict, head_channels: int) -> dict:
    return dict(
        type='RecognizerGCN',
        backbone=backbone,
        cls_head=dict(
            type='GCNHead',
            num_classes=NUM_CLASSES,
            in_channels=head_channels))


#: mmaction2's shipped NTU-60 joint models (configs/skeleton/*), as dicts.
PEERS = {
    'stgcn': ('ST-GCN',
              _recognizer(
                  dict(
                      type='STGCN',
                      graph_cfg=dict(
                          layout='nturgb+d', mode='stgcn_spatial')), 256)),
    'stgcnpp': ('ST-GCN++',
                _recognizer(
                    dict(
                        type='STGCN',
                        gcn_adaptive='init',
                        gcn_with_res=True,
                        tcn_type='mstcn',
                        graph_cfg=dict(layout='nturgb+d', mode='spatial')),
                    256)),
    'aagcn': ('AAGCN',
              _recognizer(
                  dict(
                      type='AAGCN',
                      graph_cfg=dict(layout='nturgb+d', mode='spatial')),
                  256)),
    # mmaction2's 2s-agcn config switches the attention off.
    'agcn': ('2s-AGCN',
             _recognizer(
                 dict(
                     type='AAGCN',
                     graph_cfg=dict(layout='nturgb+d', mode='spatial'),
                     gcn_attention=False), 256)),
}

#: Models of mmaction2's source tree (``projects/<name>/models``).
PROJECT_PEERS = {
    'msg3d': ('MS-G3D',
              _recognizer(
                  dict(
                      type='MSG3D',
                      graph_cfg=dict(layout='nturgb+d', mode='binary_adj')),
                  384)),
    'ctrgcn': ('CTR-GCN',
               _recognizer(
                   dict(
                       type='CTRGCN',
                       graph_cfg=dict(layout='nturgb+d', mode='spatial')),
                   256)),
}


# ---------------------------------------------------------------------------
# Building models
# ---------------------------------------------------------------------------
def project_dir(mmaction_src: Optional[str], name: str) -> str:
    """``projects/<name>`` of an mmaction2 source checkout, checked."""
    if mmaction_src is None:
        raise ValueError(f'model {name!r} lives in mmaction2\'s source '
                         'tree: pass --mmaction-src PATH (a checkout '
                         'with projects/)')
    folder = osp.join(mmaction_src, 'projects', name)
    init = osp.join(folder, 'models', '__init__.py')
    if not osp.isfile(init):
        raise FileNotFoundError(
            f'--mmaction-src {mmaction_src}: {init} does not exist')
    return folder


def setup_registry(mmaction_src: Optional[str] = None,
                   projects: tuple = ()) -> None:
    """Register lsta_mm, mmaction2 and the requested mmaction2 projects."""
    import lsta_mm  # noqa: F401  (before mmaction.models: drn placeholder)
    from mmaction.utils import register_all_modules
    from mmengine.logging import MMLogger
    register_all_modules()
    # init_weights() logs every parameter at INFO level.
    MMLogger.get_current_instance().setLevel(logging.WARNING)
    for name in projects:
        package = osp.join(project_dir(mmaction_src, name), 'models')
        init = osp.join(package, '__init__.py')
        module_name = f'_mmaction_projects_{name}'
        if module_name in sys.modules:
            continue
        # Each project calls its package ``models``: load it under a unique
        # name so that two projects can be imported side by side.
        spec = importlib.util.spec_from_file_location(
            module_name, init, submodule_search_locations=[package])
        module = importlib.util.module_from_spec(spec)
        sys.modules[module_name] = module
        spec.loader.exec_module(module)


def resolve_model(spec: str) -> tuple:
    """``(key, label, model_cfg)`` for a model name or ``NAME=CONFIG``."""
    if spec in PEERS:
        label, cfg = PEERS[spec]
        return spec, label, copy.deepcopy(cfg)
    if spec in PROJECT_PEERS:
        label, cfg = PROJECT_PEERS[spec]
        return spec, label, copy.deepcopy(cfg)
    if '=' in spec:
        key, path = spec.split('=', 1)
        label = key
    elif spec == 'lsta':
        key, label = 'lsta', 'LSTA-Net'
        path = osp.join(ROOT, DEFAULT_LSTA_CONFIG)
        if not osp.isfile(path):
            path = osp.join(ROOT, FALLBACK_LSTA_CONFIG)
    else:
        known = sorted(PEERS) + sorted(PROJECT_PEERS) + ['lsta']
        raise ValueError(f'unknown model {spec!r}: use one of {known} or '
                         'NAME=path/to/config.py')
    if not osp.isfile(path):
        raise FileNotFoundError(f'model {key!r}: config {path} not found')
    from mmengine.config import Config
    cfg = Config.fromfile(path)
    if 'model' not in cfg:
        raise KeyError(f'model {key!r}: config {path} has no `model`')
    return key, label, cfg.model.to_dict()


def build_model(model_cfg: dict, device: str) -> nn.Module:
    from mmaction.registry import MODELS
    model = MODELS.build(copy.deepcopy(model_cfg))
    model.init_weights()
    return model.to(device)


def make_batch(batch: int, num_frames: int, device: str,
               num_person: int = 2, seed: int = 0) -> dict:
    """A data batch as mmaction2's pose pipeline and collate produce it."""
    from mmaction.structures import ActionDataSample
    generator = torch.Generator().manual_seed(seed)
    inputs = torch.randn(
        batch,
        1,
        num_person,
        num_frames,
        NUM_JOINTS,
        NUM_COORDS,
        generator=generator)  # (N, clips, M, T, V, C)
    labels = torch.randint(0, NUM_CLASSES, (batch, ), generator=generator)
    samples = [
        ActionDataSample().set_gt_label(int(label)) for label in labels
    ]
    # The collate function hands over one (clips, M, T, V, C) per sample.
    return dict(inputs=list(inputs.to(device)), data_samples=samples)


def make_optim_wrapper(model: nn.Module, amp: bool):
    from mmengine.optim import AmpOptimWrapper, OptimWrapper
    optimizer = torch.optim.SGD(
        model.parameters(),
        lr=0.05,
        momentum=0.9,
        weight_decay=5e-4,
        nesterov=True)
    if amp:
        return AmpOptimWrapper(optimizer=optimizer)
    return OptimWrapper(optimizer=optimizer)


def count_flops(model: nn.Module, num_frames: int,
                num_person: int = 2) -> Dict:
    """FLOPs of one NTU sample (complexity.py's counter), on a CPU copy."""
    probe = copy.deepcopy(model).cpu().float().eval()
    inputs = torch.randn(1, 1, num_person, num_frames, NUM_JOINTS,
                         NUM_COORDS)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        return complexity.count_flops(probe, inputs)


# ---------------------------------------------------------------------------
# Timing
# ---------------------------------------------------------------------------
def synchronize(device: str) -> None:
    if device.startswith('cuda'):
        torch.cuda.synchronize()


class Runner:
    """One model with its optimiser and input, stepping on demand."""

    def __init__(self, key, label, model_cfg, device, amp, batch, num_frames,
                 compile_backbone=False):
        self.key, self.label, self.device, self.amp = key, label, device, amp
        self.model = build_model(model_cfg, device)
        if compile_backbone:
            # The backbone holds every operator worth fusing; the data
            # preprocessor and GCNHead stay eager.
            self.model.backbone = torch.compile(self.model.backbone)
        self.optim_wrapper = make_optim_wrapper(self.model, amp)
        self.data = make_batch(batch, num_frames, device)
        self.batch = batch
        self.train_times: List[float] = []
        self.infer_times: List[float] = []

    def train_step(self) -> float:
        self.model.train()
        synchronize(self.device)
        start = time.perf_counter()
        losses = self.model.train_step(self.data, self.optim_wrapper)
        synchronize(self.device)
        elapsed = time.perf_counter() - start
        loss = float(losses['loss'].detach())
        if loss != loss:  # NaN
            raise FloatingPointError(f'{self.label}: training loss is NaN')
        return elapsed

    def infer_step(self) -> float:
        self.model.eval()
        synchronize(self.device)
        start = time.perf_counter()
        with torch.no_grad(), torch.autocast(
                device_type=self.device.split(':')[0],
                enabled=self.amp):
            self.model.test_step(self.data)
        synchronize(self.device)
        return time.perf_counter() - start


def matmul_gflops(device: str, amp: bool, size: Optional[int] = None,
                  calls: int = 3) -> float:
    """Median GFLOP/s of a square matmul (2 n^3 FLOPs per call)."""
    if size is None:
        size = 4096 if device.startswith('cuda') else 1024
    dtype = torch.float16 if amp and device.startswith('cuda') else None
    a = torch.randn(size, size, device=device, dtype=dtype)
    b = torch.randn(size, size, device=device, dtype=dtype)
    torch.matmul(a, b)
    times = []
    for _ in range(calls):
        synchronize(device)
        start = time.perf_counter()
        torch.matmul(a, b)
        synchronize(device)
        times.append(time.perf_counter() - start)
    return 2 * size**3 / statistics.median(times) / 1e9


def measure_cuda_memory(runner: Runner) -> Dict[str, float]:
    """Peak CUDA allocation (MiB) of a step above the resting allocation."""
    result = {}
    for name, step in (('infer', runner.infer_step),
                       ('train', runner.train_step)):
        torch.cuda.synchronize()
        torch.cuda.empty_cache()
        resting = torch.cuda.memory_allocated()
        torch.cuda.reset_peak_memory_stats()
        step()
        result[name] = (torch.cuda.max_memory_allocated() - resting) / 2**20
    return result


def _proc_status_mib(field: str) -> float:
    with open('/proc/self/status') as handle:
        for line in handle:
            if line.startswith(field + ':'):
                return int(line.split()[1]) / 1024  # kB -> MiB
    raise RuntimeError(f'/proc/self/status has no {field}')


def _reset_peak_rss() -> bool:
    """Reset VmHWM to the current RSS (Linux >= 4.0); False if refused."""
    try:
        with open('/proc/self/clear_refs', 'w') as handle:
            handle.write('5')
        return True
    except OSError:
        return False


def probe_cpu_memory(args) -> Dict[str, float]:
    """In this (fresh) process: peak-RSS growth of inference and training.

    The baseline is the resident set once the model, optimiser and input
    exist; the peak (``VmHWM``) is reset to it first, so transient memory of
    building the model does not count. Freed activations stay resident
    under the tuned allocator and are reused by the next step, so both
    figures are measured from that same baseline. Without a resettable peak
    (old kernels) the figures fall back to ``ru_maxrss`` growth.
    """
    setup_registry(args.mmaction_src, _projects([args.probe_memory]))
    key, label, model_cfg = resolve_model(args.probe_memory)
    runner = Runner(key, label, model_cfg, 'cpu', False, args.batch,
                    args.probe_frames)
    resettable = _reset_peak_rss()
    base = _proc_status_mib('VmRSS' if resettable else 'VmHWM')
    runner.infer_step()
    infer = _proc_status_mib('VmHWM') - base
    _reset_peak_rss()
    for _ in range(2):  # the second step also holds momentum buffers
        runner.train_step()
    train = _proc_status_mib('VmHWM') - base
    return dict(infer=infer, train=train)


def spawn_cpu_memory_probe(spec: str, num_frames: int, args) -> Dict:
    command = [
        sys.executable,
        osp.abspath(__file__), '--probe-memory', spec, '--probe-frames',
        str(num_frames), '--batch',
        str(args.batch), '--threads',
        str(args.threads)
    ]
    if args.mmaction_src:
        command += ['--mmaction-src', args.mmaction_src]
    env = dict(os.environ)
    env['OMP_NUM_THREADS'] = str(args.threads)
    proc = subprocess.run(
        command, capture_output=True, text=True, env=env, cwd=ROOT)
    if proc.returncode != 0:
        raise RuntimeError(f'memory probe of {spec} (T={num_frames}) failed:'
                           f'\n{proc.stderr[-2000:]}')
    return json.loads(proc.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------------------
# The benchmark
# ---------------------------------------------------------------------------
def _projects(specs) -> tuple:
    return tuple(s for s in specs if s in PROJECT_PEERS)


def run_benchmark(args) -> Dict:
    device = args.device
    specs = list(args.models)
    setup_registry(args.mmaction_src, _projects(specs))
    resolved = [resolve_model(s) for s in specs]
    keys = [key for key, _, _ in resolved]
    if len(set(keys)) != len(keys):
        raise ValueError(f'model names must be unique, got {keys}')

    results = dict(
        meta=machine_info(args),
        models={key: dict(label=label)
                for key, label, _ in resolved},
        frames={})
    # Parameters and FLOPs per sample (on CPU, fp32, one clip of M persons).
    for key, label, model_cfg in resolved:
        model = build_model(model_cfg, 'cpu')
        results['models'][key]['params'] = sum(
            p.numel() for p in model.parameters())
        for num_frames in args.T:
            flops = count_flops(model, num_frames)
            entry = results['frames'].setdefault(str(num_frames), {})
            entry.setdefault(key, {})['flops'] = flops['total']
            entry[key]['flops_unsupported'] = flops['unsupported']
            entry[key]['flops_by_operator'] = flops['by_operator']
        del model

    for num_frames in args.T:
        entry = results['frames'][str(num_frames)]
        runners = [
            Runner(key, label, model_cfg, device, args.amp, args.batch,
                   num_frames, args.compile)
            for key, label, model_cfg in resolved
        ]
        print(f'T={num_frames}: warm-up ({args.warmup} steps per model)',
              file=sys.stderr)
        for runner in runners:
            for _ in range(args.warmup):
                runner.train_step()
                runner.infer_step()
        matmul = []
        for index in range(args.repeats):
            order = runners[index % len(runners):] + \
                runners[:index % len(runners)]
            for runner in order:
                if not args.no_train:
                    runner.train_times.append(runner.train_step())
                runner.infer_times.append(runner.infer_step())
            matmul.append(matmul_gflops(device, args.amp))
            print(f'T={num_frames}: round {index + 1}/{args.repeats}',
                  file=sys.stderr)
        peak = statistics.median(matmul)
        entry['matmul_gflops'] = peak
        for runner in runners:
            stats = entry[runner.key]
            real_flops = 2 * stats['flops'] * args.batch  # per step
            if runner.train_times:
                train_time = statistics.median(runner.train_times)
                stats['train_sps'] = args.batch / train_time
                stats['train_gflops'] = 3 * real_flops / train_time / 1e9
                stats['train_share'] = stats['train_gflops'] / peak
                stats['train_times'] = runner.train_times
            infer_time = statistics.median(runner.infer_times)
            stats['infer_sps'] = args.batch / infer_time
            stats['infer_gflops'] = real_flops / infer_time / 1e9
            stats['infer_share'] = stats['infer_gflops'] / peak
            stats['infer_times'] = runner.infer_times
        if not args.no_memory:
            for runner, spec in zip(runners, specs):
                if device.startswith('cuda'):
                    memory = measure_cuda_memory(runner)
                else:
                    memory = spawn_cpu_memory_probe(spec, num_frames, args)
                entry[runner.key]['infer_mem_mib'] = memory['infer']
                entry[runner.key]['train_mem_mib'] = memory['train']
        del runners
    return results


#: per-step figures that the per-process mode takes the median of
_ROUND_METRICS = ('train_sps', 'train_gflops', 'train_share', 'infer_sps',
                  'infer_gflops', 'infer_share', 'train_mem_mib',
                  'infer_mem_mib')


def _without_option(argv: List[str], name: str, takes: int) -> List[str]:
    out, skip = [], 0
    for item in argv:
        if skip:
            skip -= 1
            continue
        if item == name:
            skip = takes
            continue
        if item.startswith(name + '='):
            continue
        out.append(item)
    return out


def run_per_process(args, argv=None) -> Dict:
    """Each model in a fresh ``benchmark.py --models MODEL`` process,
    ``args.per_process`` rounds in a rotating model order; the results of
    :func:`run_benchmark`'s shape with the medians over the rounds (and
    ``rounds``: every round's figures)."""
    import tempfile
    base = list(sys.argv[1:] if argv is None else argv)
    for name, takes in (('--per-process', 1), ('--json', 1)):
        base = _without_option(base, name, takes)
    # the model list goes last: it takes every following word
    index = base.index('--models') if '--models' in base else None
    if index is not None:
        end = index + 1
        while end < len(base) and not base[end].startswith('--'):
            end += 1
        base = base[:index] + base[end:]
    specs = list(args.models)
    keys = [resolve_model(s)[0] for s in specs]
    runs = {key: [] for key in keys}
    with tempfile.TemporaryDirectory() as tmp:
        for round_index in range(args.per_process):
            shift = round_index % len(specs)
            for spec, key in list(zip(specs, keys))[shift:] + list(
                    zip(specs, keys))[:shift]:
                out = osp.join(tmp, f'{key}_{round_index}.json')
                print(f'round {round_index + 1}/{args.per_process}: {key} '
                      f'in a fresh process', file=sys.stderr)
                subprocess.run(
                    [sys.executable, osp.abspath(__file__)] + base +
                    ['--json', out, '--models', spec],
                    check=True, stdout=subprocess.DEVNULL)
                with open(out) as handle:
                    runs[key].append(json.load(handle))
    first = runs[keys[0]][0]
    results = dict(meta=dict(first['meta']), models={}, frames={},
                   rounds={})
    results['meta'].update(
        mode=f'one model per fresh process, median of {args.per_process} '
        f'rounds',
        command='python ' + ' '.join(
            [osp.relpath(osp.abspath(__file__), ROOT)] +
            (sys.argv[1:] if argv is None else list(argv))))
    for key in keys:
        results['models'][key] = runs[key][0]['models'][key]
        for frames in runs[key][0]['frames']:
            entry = results['frames'].setdefault(frames, {})
            stats = dict(runs[key][0]['frames'][frames][key])
            for metric in _ROUND_METRICS:
                values = [r['frames'][frames][key].get(metric)
                          for r in runs[key]]
                values = [v for v in values if v is not None]
                if values:
                    stats[metric] = statistics.median(values)
                    results['rounds'].setdefault(frames, {}).setdefault(
                        key, {})[metric] = values
            entry[key] = stats
            peaks = [r['frames'][frames]['matmul_gflops'] for r in runs[key]]
            entry.setdefault('matmul_gflops_by_model', {})[key] = \
                statistics.median(peaks)
    for frames, entry in results['frames'].items():
        entry['matmul_gflops'] = statistics.median(
            entry.pop('matmul_gflops_by_model').values())
    return results


def machine_info(args) -> Dict:
    cpu = platform.processor() or platform.machine()
    try:
        with open('/proc/cpuinfo') as handle:
            for line in handle:
                if line.startswith('model name'):
                    cpu = line.split(':', 1)[1].strip()
                    break
    except OSError:
        pass
    info = dict(
        date=datetime.datetime.now(datetime.timezone.utc).strftime(
            '%Y-%m-%d %H:%M UTC'),
        cpu=cpu,
        cores=os.cpu_count(),
        threads=torch.get_num_threads(),
        torch=torch.__version__,
        device=args.device,
        amp=bool(args.amp),
        compile=bool(args.compile),
        batch=args.batch,
        num_person=2,
        warmup=args.warmup,
        repeats=args.repeats,
        command='python ' + ' '.join(
            [osp.relpath(osp.abspath(__file__), ROOT)] + sys.argv[1:]),
        malloc={
            k: os.environ.get(k)
            for k in _bootstrap.MALLOC_SETTINGS
        })
    if args.device.startswith('cuda'):
        info['gpu'] = torch.cuda.get_device_name()
    return info


# ---------------------------------------------------------------------------
# Reporting
# ---------------------------------------------------------------------------
def _fmt(value, pattern='{:.2f}'):
    return '-' if value is None else pattern.format(value)


def format_tables(results: Dict) -> str:
    meta = results['meta']
    models = results['models']
    keys = list(models)
    lines = [
        f"Date: {meta['date']}; machine: {meta['cpu']} "
        f"({meta['cores']} cores, {meta['threads']} torch threads)"
        + (f", GPU {meta['gpu']}" if 'gpu' in meta else '') +
        f"; device {meta['device']}{' + AMP' if meta['amp'] else ''}"
        f"{' + torch.compile' if meta.get('compile') else ''}; "
        f"torch {meta['torch']}; batch N={meta['batch']}, "
        f"M={meta['num_person']}, V={NUM_JOINTS}, C={NUM_COORDS}; "
        + (f"{meta['mode']}; in each, median of {meta['repeats']} steps "
           f"after {meta['warmup']} warm-up steps." if meta.get('mode') else
           f"median of {meta['repeats']} interleaved steps after "
           f"{meta['warmup']} warm-up steps."), '',
        f"Command: `{meta['command']}`", ''
    ]
    for frames, entry in results['frames'].items():
        peak = entry.get('matmul_gflops')
        lines.append(f'### T = {frames} (matmul peak '
                     f'{_fmt(peak, "{:.1f}")} GFLOP/s)')
        lines.append('')
        lines.append(
            '| model | params (M) | GFLOPs/sample | train samples/s '
            '| infer samples/s | peak train MiB | peak infer MiB '
            '| train GFLOP/s | train % of matmul | infer % of matmul |')
        lines.append('|' + '---|' * 10)
        for key in keys:
            stats = entry[key]
            share_t = stats.get('train_share')
            share_i = stats.get('infer_share')
            lines.append(
                f"| {models[key]['label']} "
                f"| {models[key]['params'] / 1e6:.2f} "
                f"| {stats['flops'] / 1e9:.2f} "
                f"| {_fmt(stats.get('train_sps'))} "
                f"| {_fmt(stats.get('infer_sps'))} "
                f"| {_fmt(stats.get('train_mem_mib'), '{:.0f}')} "
                f"| {_fmt(stats.get('infer_mem_mib'), '{:.0f}')} "
                f"| {_fmt(stats.get('train_gflops'), '{:.1f}')} "
                f"| {_fmt(share_t and 100 * share_t, '{:.1f}')} "
                f"| {_fmt(share_i and 100 * share_i, '{:.1f}')} |")
        lines.append('')
    if len(keys) > 1:
        ref = keys[0]
        lines.append(f"### Ratios: {models[ref]['label']} / peer")
        lines.append('')
        lines.append('| peer | T | params | FLOPs | train samples/s '
                     '| infer samples/s | peak train memory |')
        lines.append('|' + '---|' * 7)
        for key in keys[1:]:
            for frames, entry in results['frames'].items():
                ours, peer = entry[ref], entry[key]
                lines.append(
                    f"| {models[key]['label']} | {frames} "
                    f"| {models[ref]['params'] / models[key]['params']:.2f} "
                    f"| {ours['flops'] / peer['flops']:.2f} "
                    f"| {_ratio(ours, peer, 'train_sps')} "
                    f"| {_ratio(ours, peer, 'infer_sps')} "
                    f"| {_ratio(ours, peer, 'train_mem_mib')} |")
        lines.append('')
    unsupported = sorted({
        op
        for entry in results['frames'].values() for key in keys
        for op in entry[key].get('flops_unsupported', {})
    })
    if unsupported:
        lines.append('Ops without a FLOP rule (not counted, for every '
                     'model alike): ' + ', '.join(unsupported) + '.')
        lines.append('')
    return '\n'.join(lines)


def _ratio(ours, peer, name):
    if ours.get(name) is None or not peer.get(name):
        return '-'
    return f'{ours[name] / peer[name]:.2f}'


#: The performance issue's targets (round two) for the reference model
#: against named peers: (peer, metric, comparison, bound, frames or None for
#: every T).
TARGETS = (
    ('stgcnpp', 'flops', '<', 1.0, None),
    ('stgcn', 'flops', '<=', 0.5, None),
    ('stgcnpp', 'train_sps', '>=', 2.0, '300'),
    ('stgcn', 'train_sps', '>=', 2.0, '300'),
    ('stgcn', 'infer_sps', '>=', 2.5, '300'),
    ('stgcnpp', 'train_mem_mib', '<=', 0.5, '300'),
)


def check_targets(results: Dict) -> List[Dict]:
    """Evaluate :data:`TARGETS` where the models and frame counts exist."""
    keys = list(results['models'])
    if not keys:
        return []
    ref = keys[0]
    checks = []
    for peer, metric, op, bound, frames_only in TARGETS:
        if peer not in results['models'] or peer == ref:
            continue
        for frames, entry in results['frames'].items():
            if frames_only is not None and frames != frames_only:
                continue
            ours, theirs = entry[ref].get(metric), entry[peer].get(metric)
            if ours is None or not theirs:
                continue
            ratio = ours / theirs
            passed = {
                '<': ratio < bound,
                '<=': ratio <= bound,
                '>=': ratio >= bound
            }[op]
            checks.append(
                dict(
                    peer=peer,
                    metric=metric,
                    frames=frames,
                    ratio=ratio,
                    op=op,
                    bound=bound,
                    passed=passed))
    return checks


def format_targets(results: Dict, checks: List[Dict]) -> str:
    if not checks:
        return ''
    models = results['models']
    ref = models[list(models)[0]]['label']
    lines = [f'### Targets ({ref} / peer)', '']
    for check in checks:
        lines.append(
            f"- {'PASS' if check['passed'] else 'FAIL'}: {check['metric']} "
            f"vs {models[check['peer']]['label']} at T={check['frames']}: "
            f"{check['ratio']:.2f} (target {check['op']} {check['bound']})")
    return '\n'.join(lines) + '\n'


def run_profile(args) -> str:
    """torch.profiler table of a few training steps of one model."""
    from torch.profiler import ProfilerActivity, profile
    setup_registry(args.mmaction_src, _projects([args.profile]))
    key, label, model_cfg = resolve_model(args.profile)
    num_frames = args.T[-1]
    runner = Runner(key, label, model_cfg, args.device, args.amp, args.batch,
                    num_frames)
    for _ in range(args.warmup):
        runner.train_step()
    activities = [ProfilerActivity.CPU]
    if args.device.startswith('cuda'):
        activities.append(ProfilerActivity.CUDA)
    with profile(activities=activities, record_shapes=True) as prof:
        for _ in range(max(1, args.repeats)):
            runner.train_step()
    sort = 'self_cuda_time_total' if args.device.startswith(
        'cuda') else 'self_cpu_time_total'
    header = (f'{label}: training step profile, T={num_frames}, '
              f'batch {args.batch}, {max(1, args.repeats)} steps\n')
    return header + prof.key_averages().table(
        sort_by=sort, row_limit=args.profile_rows)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Benchmark LSTA-Net against mmaction2 skeleton GCNs')
    parser.add_argument(
        '--models',
        nargs='+',
        default=None,
        help='model names (the first is the reference): stgcn, stgcnpp, '
        'aagcn, agcn, msg3d, ctrgcn, lsta, or NAME=CONFIG.py. Default: '
        'lsta stgcn stgcnpp aagcn (+ msg3d ctrgcn with --mmaction-src)')
    parser.add_argument(
        '--mmaction-src',
        help='mmaction2 source checkout; enables msg3d and ctrgcn')
    parser.add_argument(
        '--T', type=int, nargs='+', default=[100, 300], help='clip lengths')
    parser.add_argument('--batch', type=int, default=8, help='samples N')
    parser.add_argument(
        '--warmup', type=int, default=2, help='untimed steps per model')
    parser.add_argument(
        '--repeats', type=int, default=10, help='timed steps per model')
    parser.add_argument('--device', default='cpu', help='cpu or cuda[:i]')
    parser.add_argument(
        '--amp',
        action='store_true',
        help='mixed precision (CUDA): AmpOptimWrapper and autocast')
    parser.add_argument(
        '--compile',
        action='store_true',
        help='torch.compile (Inductor) every backbone before warm-up; '
        'the warm-up steps include the compilation')
    parser.add_argument(
        '--threads', type=int, default=None, help='torch CPU threads')
    parser.add_argument(
        '--no-memory', action='store_true', help='skip peak memory')
    parser.add_argument(
        '--no-train', action='store_true', help='time inference only')
    parser.add_argument('--json', help='also write the results here')
    parser.add_argument(
        '--per-process',
        type=int,
        metavar='ROUNDS',
        help='the benchmark of record: every model in a fresh process of '
        'its own (as a user trains one model per process), ROUNDS rounds '
        'in a rotating order; medians over the rounds, ratios from the '
        'same run')
    parser.add_argument(
        '--profile',
        metavar='MODEL',
        help='instead of the benchmark: profile training steps of MODEL '
        'at the last --T')
    parser.add_argument(
        '--profile-rows', type=int, default=25, help='rows of --profile')
    # Internal: the CPU memory probe runs in a fresh child process.
    parser.add_argument('--probe-memory', help=argparse.SUPPRESS)
    parser.add_argument('--probe-frames', type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.models is None:
        args.models = ['lsta', 'stgcn', 'stgcnpp', 'aagcn']
        if args.mmaction_src:
            args.models += ['msg3d', 'ctrgcn']
    if args.amp and not args.device.startswith('cuda'):
        parser.error('--amp needs --device cuda')
    if args.device.startswith('cuda') and not torch.cuda.is_available():
        parser.error('--device cuda: CUDA is not available on this machine')
    if args.repeats < 1 or args.batch < 1 or args.warmup < 0:
        parser.error('--repeats and --batch must be >= 1, --warmup >= 0')
    return args


def main(argv=None):
    args = parse_args(argv)
    if args.threads is not None:
        torch.set_num_threads(args.threads)
    if args.probe_memory:
        print(json.dumps(probe_cpu_memory(args)))
        return None
    if args.profile:
        print(run_profile(args))
        return None
    results = run_per_process(args, argv) if args.per_process else \
        run_benchmark(args)
    results['targets'] = check_targets(results)
    print(format_tables(results))
    print(format_targets(results, results['targets']))
    if args.json:
        with open(args.json, 'w') as handle:
            json.dump(results, handle, indent=1)
    return results


if __name__ == '__main__':
    main()
