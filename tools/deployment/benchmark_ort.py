"""ONNX Runtime against torch eager: inference throughput and the online
recognizer's latency per update, on the same model and inputs.

1. Throughput: samples/s of the whole test-time forward (torch: the
   recognizer's ``predict``; ORT: the exported graph, which includes the
   softmax), for every ``--frames`` x ``--batch``, median over
   ``--repeats`` timed runs after ``--warmup``. Runs alternate between the
   two backends, so load from other processes hits both alike.
2. Online: :class:`lsta_mm.apis.OnlineRecognizer` with ``hop=1`` on a
   moving body, for every ``--online-windows`` (the window padded to its
   own length, ``clip_len=window``), batch 1; median and 99th percentile of
   the time of one ``update`` (pipeline + model) after the window is full.

Both backends get ``--threads`` intra-op threads. The model is exported
(and checked, as ``export_onnx.py`` does) into a temporary file unless
``--onnx`` names one.

Examples:
    python tools/deployment/benchmark_ort.py --threads 2
    python tools/deployment/benchmark_ort.py --config CONFIG \\
        --checkpoint CKPT --frames 300 --batch 1 --out-json ort.json
"""
import os.path as osp
import sys

TOOLS_DIR = osp.dirname(osp.dirname(osp.abspath(__file__)))
if TOOLS_DIR not in sys.path:
    sys.path.insert(0, TOOLS_DIR)

import _bootstrap  # noqa: E402,F401,I001  (before torch: malloc, sys.path)
import argparse  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402

DEFAULT_CONFIG = osp.join(_bootstrap.ROOT, 'configs',
                          'lsta_ntu60_xsub_joint.py')


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='ONNX Runtime vs torch eager: throughput and online '
        'latency')
    parser.add_argument('--config', default=DEFAULT_CONFIG)
    parser.add_argument(
        '--checkpoint', help='weights (default: random; timing only)')
    parser.add_argument(
        '--onnx', help='an exported file of the same config (default: '
        'export into a temporary file)')
    parser.add_argument('--frames', type=int, nargs='+', default=[100, 300])
    parser.add_argument('--batch', type=int, nargs='+', default=[1, 8])
    parser.add_argument('--repeats', type=int, default=20)
    parser.add_argument('--warmup', type=int, default=3)
    parser.add_argument(
        '--online-windows', type=int, nargs='*', default=[300, 100])
    parser.add_argument(
        '--online-updates', type=int, default=100,
        help='timed updates per window')
    parser.add_argument(
        '--threads', type=int, default=torch.get_num_threads())
    parser.add_argument('--out-json', help='write the figures here')
    return parser.parse_args(argv)


def percentile(values, q):
    """The ``q``-th percentile (nearest rank) of ``values``."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 *
                                                   (len(ordered) - 1))))]


def throughput(model, session, shape, batch, repeats, warmup):
    """Samples/s of torch and ORT on one random batch ``(batch, *shape)``,
    runs alternating."""
    from lsta_mm.deployment import torch_scores
    inputs = torch.randn((batch, ) + tuple(shape))
    array = inputs.numpy()
    times = dict(torch=[], onnxruntime=[])
    runs = dict(torch=lambda: torch_scores(model, inputs),
                onnxruntime=lambda: session(array))
    for index in range(warmup + repeats):
        order = list(runs) if index % 2 == 0 else list(runs)[::-1]
        for name in order:
            start = time.perf_counter()
            runs[name]()
            if index >= warmup:
                times[name].append(time.perf_counter() - start)
    return {name: batch / statistics.median(t) for name, t in times.items()}


def moving_body(frames, joints, channels, seed=0):
    """``(frames, 1, V, C)``: one body swinging (for the online timing)."""
    rng = np.random.default_rng(seed)
    base = rng.normal(0, 0.3, (joints, channels)) + 1.0
    swing = 0.1 * np.sin(np.arange(frames) / 4)[:, None, None]
    body = base + swing * rng.normal(size=(1, joints, channels))
    return body[:, None].astype(np.float32)


def online_latency(model, window, updates, threads):
    """Median and p99 ms of one ``update`` (hop 1) after the window is
    full."""
    from lsta_mm.apis import OnlineRecognizer
    recognizer = OnlineRecognizer(
        model, window=window, clip_len=window, hop=1, num_threads=threads)
    frames = moving_body(window + updates, recognizer.num_joints,
                         recognizer.in_channels)
    for frame in frames[:window]:
        recognizer.push(frame)
    times = []
    for frame in frames[window:]:
        start = time.perf_counter()
        recognizer.update(frame)
        times.append(1000 * (time.perf_counter() - start))
    return dict(median_ms=statistics.median(times),
                p99_ms=percentile(times, 99))


def main(argv=None):
    args = parse_args(argv)
    from lsta_mm.apis import ONNXRecognizer, init_recognizer
    from lsta_mm.deployment import (MissingDeployDependency, export_onnx,
                                    input_shape_of)
    torch.set_num_threads(args.threads)
    model = init_recognizer(args.config, args.checkpoint, device='cpu')
    with tempfile.TemporaryDirectory() as tmp:
        onnx_file = args.onnx or osp.join(tmp, 'model.onnx')
        try:
            if not args.onnx:
                export_onnx(model, onnx_file, check_frames=(),
                            num_threads=args.threads)
            session = ONNXRecognizer(onnx_file, num_threads=args.threads)
        except (MissingDeployDependency, ValueError, OSError) as err:
            raise SystemExit(f'error: {err}')
        shape = list(input_shape_of(model))  # (clips, [S,] M, T, V, C)
        rows = []
        for frames in args.frames:
            shape[-3] = frames
            for batch in args.batch:
                rate = throughput(model, session, shape, batch,
                                  args.repeats, args.warmup)
                rows.append(dict(frames=frames, batch=batch,
                                 torch=rate['torch'],
                                 onnxruntime=rate['onnxruntime']))
                print(f'T = {frames}, batch {batch}: torch '
                      f'{rate["torch"]:.2f} samples/s, ORT '
                      f'{rate["onnxruntime"]:.2f} samples/s '
                      f'({rate["onnxruntime"] / rate["torch"]:.2f}x)')
        online = []
        for window in args.online_windows:
            entry = dict(window=window)
            for name, backend in (('torch', model), ('onnxruntime',
                                                     session)):
                entry[name] = online_latency(backend, window,
                                             args.online_updates,
                                             args.threads)
            online.append(entry)
            print(f'online, window {window}: torch median '
                  f'{entry["torch"]["median_ms"]:.1f} ms (p99 '
                  f'{entry["torch"]["p99_ms"]:.1f}), ORT median '
                  f'{entry["onnxruntime"]["median_ms"]:.1f} ms (p99 '
                  f'{entry["onnxruntime"]["p99_ms"]:.1f}) per update')
    print('\n| T | batch | torch samples/s | ORT samples/s | ORT / torch |')
    print('|---|---|---|---|---|')
    for row in rows:
        print(f'| {row["frames"]} | {row["batch"]} | {row["torch"]:.2f} | '
              f'{row["onnxruntime"]:.2f} | '
              f'{row["onnxruntime"] / row["torch"]:.2f}x |')
    record = dict(
        config=osp.relpath(args.config, _bootstrap.ROOT),
        checkpoint=args.checkpoint,
        threads=args.threads,
        machine=platform.processor() or platform.machine(),
        torch=torch.__version__,
        onnxruntime=__import__('onnxruntime').__version__,
        throughput=rows,
        online=online)
    if args.out_json:
        from lsta_mm.engine.atomic_io import atomic_write_text
        atomic_write_text(args.out_json, json.dumps(record, indent=1))
        print(f'written to {args.out_json}')
    return record


if __name__ == '__main__':
    main()
