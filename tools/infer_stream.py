"""Replay a recorded skeleton sequence as a live stream and recognise it
online (:class:`lsta_mm.apis.OnlineRecognizer`).

The frames of INPUT (an NTU ``.skeleton`` file, a ``.npy`` array ``(T, V,
C)`` / ``(M, T, V, C)``, or one sample of an annotation ``.pkl``) are given
one at a time at ``--fps`` (0: as fast as the model allows); every
``--hop`` frames the last ``--window`` frames go through the config's test
pipeline and the model, and the top-1 class is printed. ``--out-png`` draws
the probabilities of the top classes over time, with the ground-truth
segments shaded: the label of a ``.skeleton`` file or ``.pkl`` sample (the
whole sequence), or ``--gt START:END:LABEL`` segments (frames; LABEL an
index or a class name). The latency of every update is summarised at the
end (median and 99th percentile).

Examples:
    python tools/infer_stream.py configs/lsta_ntu60_xsub_joint.py CKPT \\
        S001C001P001R001A023.skeleton --out-png timeline.png
    python tools/infer_stream.py --backend onnxruntime model.onnx \\
        three_actions.npy --fps 30 --hop 5 --smoothing 0.5 \\
        --gt 0:120:0 --gt 120:240:1 --gt 240:360:2 --out-png timeline.png
"""
import _bootstrap  # noqa: F401,I001  (must precede torch: malloc, sys.path)
import argparse
import json
import os.path as osp
import statistics
import sys
import time

import numpy as np  # noqa: E402
import torch  # noqa: E402

from _bootstrap import user_errors  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Online recognition of a replayed skeleton sequence')
    parser.add_argument(
        'paths',
        nargs='+',
        metavar='CONFIG CKPT INPUT | MODEL.onnx INPUT',
        help='model config, checkpoint (or none) and input; with --backend '
        'onnxruntime the exported .onnx file and the input')
    parser.add_argument(
        '--backend', choices=['pytorch', 'onnxruntime'], default='pytorch')
    parser.add_argument(
        '--sample', help='index or frame_dir of the sample in a .pkl')
    parser.add_argument(
        '--fps', type=float, default=30.0,
        help='replay rate in frames per second (0: no waiting)')
    parser.add_argument(
        '--window', type=int,
        help='frames kept (default: the pipeline\'s clip_len)')
    parser.add_argument(
        '--clip-len', type=int,
        help='pad/shorten the window to this many frames instead of the '
        'pipeline\'s clip_len (shorter is cheaper; see OnlineRecognizer)')
    parser.add_argument(
        '--hop', type=int, default=10, help='score every HOP frames')
    parser.add_argument(
        '--smoothing', type=float, default=0.0,
        help='exponential smoothing of the scores, in [0, 1)')
    parser.add_argument(
        '--max-person', type=int, default=2,
        help='bodies kept from a .skeleton file')
    parser.add_argument(
        '--gt',
        action='append',
        default=[],
        metavar='START:END:LABEL',
        help='a ground-truth segment (frames START..END-1), repeatable')
    parser.add_argument(
        '--label-map',
        help='ntu60, ntu120, kinetics400 or a file with one name per line')
    parser.add_argument(
        '--plot-classes', type=int, default=3,
        help='classes drawn in the timeline (highest peak first)')
    parser.add_argument('--out-png', help='write the timeline here')
    parser.add_argument('--out-json', help='write every update here')
    parser.add_argument('--threads', type=int, help='ONNX Runtime threads')
    parser.add_argument(
        '--device',
        default='cuda:0' if torch.cuda.is_available() else 'cpu')
    args = parser.parse_args(argv)
    expected = 2 if args.backend == 'onnxruntime' else 3
    if len(args.paths) != expected:
        parser.error('--backend onnxruntime takes MODEL.onnx INPUT'
                     if expected == 2 else 'expected CONFIG CKPT INPUT')
    args.input = args.paths[-1]
    return args


def load_model(args):
    """The torch recognizer or the ONNX Runtime one; one error line."""
    from lsta_mm.apis import init_onnx_recognizer, init_recognizer
    from lsta_mm.deployment import MissingDeployDependency
    if args.backend == 'onnxruntime':
        try:
            return init_onnx_recognizer(args.paths[0], args.threads,
                                        device=args.device)
        except (MissingDeployDependency, OSError, ValueError) as err:
            raise SystemExit(f'error: {err}')
    config, checkpoint = args.paths[:2]
    checkpoint = None if checkpoint.lower() == 'none' else checkpoint
    if checkpoint is not None and not osp.isfile(checkpoint):
        raise SystemExit(f'error: checkpoint {checkpoint} does not exist')
    try:
        return init_recognizer(config, checkpoint, device=args.device)
    except user_errors() as err:
        raise SystemExit(f'error: {err}')


def parse_segments(specs, class_names, num_frames, sequence_label):
    """``[(start, end, label), ...]`` from ``--gt``, else the whole
    sequence with its file's label (when known), else []."""
    segments = []
    for spec in specs:
        parts = spec.split(':', 2)
        if len(parts) != 3:
            raise SystemExit(f'error: --gt {spec}: expected START:END:LABEL')
        start, end, label = parts
        if label.lstrip('-').isdigit():
            label = int(label)
        elif class_names is not None and label in class_names:
            label = class_names.index(label)
        else:
            raise SystemExit(f'error: --gt {spec}: unknown class {label!r}')
        segments.append((int(start), int(end), label))
    if not segments and sequence_label is not None and sequence_label >= 0:
        segments.append((0, num_frames, int(sequence_label)))
    return segments


def draw_timeline(path, frames, smoothed, class_names, segments,
                  num_classes_drawn, fps):
    """Probabilities of the classes with the highest peaks over time, the
    ground-truth segments shaded."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    from lsta_mm.engine.atomic_io import atomic_write_bytes
    import io

    def name(label):
        return class_names[label] if class_names else f'class {label}'

    peaks = smoothed.max(0) if len(smoothed) else np.zeros(0)
    drawn = list(np.argsort(-peaks, kind='stable')[:num_classes_drawn])
    drawn += [s[2] for s in segments if s[2] not in drawn]
    figure, axis = plt.subplots(figsize=(10, 3.5))
    for label in drawn:
        axis.plot(frames, smoothed[:, label], label=name(label))
    for index, (start, end, label) in enumerate(segments):
        axis.axvspan(start, end, color=f'C{drawn.index(label) % 10}',
                     alpha=0.12, lw=0)
        axis.text((start + end) / 2, 1.02, f'truth: {name(label)}',
                  ha='center', va='bottom', fontsize=8,
                  transform=axis.get_xaxis_transform())
    axis.set_xlabel('frame' + (f' ({fps:g} per second)' if fps else ''))
    axis.set_ylabel('score')
    axis.set_ylim(bottom=0)
    axis.legend(loc='upper right', fontsize=8)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format='png', dpi=120)
    plt.close(figure)
    atomic_write_bytes(path, buffer.getvalue())


def main(argv=None):
    args = parse_args(argv)
    from lsta_mm.apis import OnlineRecognizer, load_skeleton_input
    from lsta_mm.apis.online import stream_frames
    from lsta_mm.label_maps import load_label_map
    try:
        sequence = load_skeleton_input(args.input, args.sample,
                                       args.max_person)
    except (OSError, ValueError, KeyError, IndexError) as err:
        raise SystemExit(f'error: {err}')
    model = load_model(args)
    keypoint = sequence['keypoint']
    if sequence.get('keypoint_score') is not None:
        keypoint = np.concatenate(
            [keypoint, sequence['keypoint_score'][..., None]], -1)
    try:
        names = load_label_map(args.label_map) if args.label_map else None
        recognizer = OnlineRecognizer(
            model,
            window=args.window,
            hop=args.hop,
            smoothing=args.smoothing,
            class_names=names,
            num_threads=args.threads,
            clip_len=args.clip_len)
        frames = stream_frames(keypoint)
        segments = parse_segments(args.gt, recognizer.class_names,
                                  len(frames), sequence.get('label'))
    except (OSError, ValueError) as err:
        raise SystemExit(f'error: {err}')
    print(f'{args.input}: {len(frames)} frames replayed at '
          f'{args.fps:g} fps; {recognizer}')
    results, latencies = [], []
    period = 1.0 / args.fps if args.fps > 0 else 0.0
    start = time.perf_counter()
    for index, frame in enumerate(frames):
        if period:
            delay = start + index * period - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
        began = time.perf_counter()
        try:
            result = recognizer.update(frame)
        except ValueError as err:
            raise SystemExit(f'error: {args.input}, frame {index}: {err}')
        if result is None:
            continue
        latencies.append(time.perf_counter() - began)
        results.append(result)
        print(f'frame {result.frame_index:5d}  top-1 {result.name} '
              f'({result.smoothed[result.label]:.3f})')
    if latencies:
        ms = sorted(1000 * v for v in latencies)
        p99 = ms[min(len(ms) - 1, int(round(0.99 * (len(ms) - 1))))]
        print(f'{len(ms)} updates: latency median '
              f'{statistics.median(ms):.1f} ms, p99 {p99:.1f} ms')
    frames_at = np.array([r.frame_index for r in results])
    smoothed = np.stack([r.smoothed for r in results]) if results else \
        np.zeros((0, 0))
    if args.out_png:
        draw_timeline(args.out_png, frames_at, smoothed,
                      recognizer.class_names, segments, args.plot_classes,
                      args.fps)
        print(f'timeline written to {args.out_png}')
    if args.out_json:
        from lsta_mm.engine.atomic_io import atomic_write_text
        record = dict(
            input=args.input,
            window=recognizer.window,
            hop=recognizer.hop,
            smoothing=recognizer.smoothing,
            ground_truth=[dict(start=s, end=e, label=lb)
                          for s, e, lb in segments],
            updates=[
                dict(frame=int(r.frame_index), label=r.label, name=r.name,
                     latency_ms=1000 * lat,
                     scores=[float(v) for v in r.smoothed])
                for r, lat in zip(results, latencies)
            ])
        atomic_write_text(args.out_json, json.dumps(record, indent=1))
        print(f'updates written to {args.out_json}')
    if not results:
        print('no update: the input has no body', file=sys.stderr)
    return results


if __name__ == '__main__':
    main()
