"""Export a trained LSTA-Net (or any skeleton recognizer) to ONNX.

The graph holds the whole test-time forward: backbone, head, the softmax
and clip averaging of the head, and for a multi-stream model every stream
and the fusion of their probabilities; batch, clips and frames are dynamic
axes. The file is checked with ``onnx.checker`` and ONNX Runtime is
compared with torch on random inputs at the config's clip length and at
T = 50, 100 and 300 (``--check-frames``), with a batch of 2 and 2 clips,
and on ``--input`` if given; the largest difference of the probabilities is
printed, and above ``--tolerance`` (1e-4) nothing is written. The layout,
streams, clip length, class names and the test pipeline travel in the
file's metadata, so ``tools/infer.py --backend onnxruntime MODEL.onnx
INPUT`` needs no config.

CKPT may be ``none`` (random weights: a smoke export) and must be for a
multi-stream config whose streams load their own weights.

Examples:
    python tools/deployment/export_onnx.py configs/lsta_ntu60_xsub_joint.py \\
        work_dirs/lsta_ntu60_xsub_joint/best_acc_top1_epoch_95.pth \\
        --out lsta_ntu60_joint.onnx
    python tools/deployment/export_onnx.py configs/lsta_demo_3s.py \\
        work_dirs/lsta_demo_3s/epoch_15.pth --out demo_3s.onnx \\
        --input data/demo/ntu_demo_3d.pkl --sample 0
"""
import os.path as osp
import sys

TOOLS_DIR = osp.dirname(osp.dirname(osp.abspath(__file__)))
if TOOLS_DIR not in sys.path:
    sys.path.insert(0, TOOLS_DIR)

import _bootstrap  # noqa: E402,F401,I001  (before torch: malloc, sys.path)
import argparse  # noqa: E402

from mmengine.config import Config, DictAction  # noqa: E402

from _bootstrap import user_errors  # noqa: E402


def parse_args(argv=None):
    from lsta_mm.deployment import (DEFAULT_CHECK_FRAMES, DEFAULT_OPSET,
                                    DEFAULT_TOLERANCE)
    parser = argparse.ArgumentParser(
        description='Export a skeleton recognizer to ONNX, checked against '
        'torch')
    parser.add_argument('config', help='model config file')
    parser.add_argument('checkpoint', help='checkpoint file, or none')
    parser.add_argument('--out', required=True, help='the .onnx file')
    parser.add_argument(
        '--label-map',
        help='class names stored in the file: ntu60, ntu120, kinetics400 or '
        'a text file with one name per line (default: the checkpoint\'s '
        'dataset_meta, else the shipped map with as many classes)')
    parser.add_argument('--opset', type=int, default=DEFAULT_OPSET)
    parser.add_argument(
        '--check-frames',
        type=int,
        nargs='+',
        default=list(DEFAULT_CHECK_FRAMES),
        help='clip lengths T checked besides the config\'s clip_len')
    parser.add_argument(
        '--tolerance',
        type=float,
        default=DEFAULT_TOLERANCE,
        help='largest accepted max abs difference of the probabilities')
    parser.add_argument(
        '--input', help='also check on this .skeleton, .npy or .pkl input')
    parser.add_argument(
        '--sample', help='index or frame_dir of the sample in a .pkl')
    parser.add_argument(
        '--threads',
        type=int,
        help='ONNX Runtime threads of the check (default: OMP_NUM_THREADS '
        'or one per core)')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config entries, e.g. model.cls_head.num_classes=8')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    from lsta_mm.deployment import (MissingDeployDependency, ParityError,
                                    export_onnx, import_onnx,
                                    import_onnxruntime)
    try:
        import_onnx()
        import_onnxruntime()
    except MissingDeployDependency as err:
        raise SystemExit(f'error: {err}')
    if not osp.isfile(args.config):
        raise SystemExit(f'error: config {args.config} does not exist')
    checkpoint = None if args.checkpoint.lower() == 'none' else \
        args.checkpoint
    if checkpoint is not None and not osp.isfile(checkpoint):
        raise SystemExit(f'error: checkpoint {checkpoint} does not exist')
    if not args.out.endswith('.onnx'):
        raise SystemExit(f'error: --out must name a .onnx file, got '
                         f'{args.out}')

    from lsta_mm.apis import init_recognizer, load_skeleton_input
    from lsta_mm.apis.inference import config_test_pipeline
    from lsta_mm.apis.onnx_inference import pipeline_inputs
    cfg = Config.fromfile(args.config)
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    try:
        model = init_recognizer(cfg, checkpoint, device='cpu')
    except user_errors() as err:
        raise SystemExit(f'error: {err}')
    if checkpoint is None and not hasattr(model, 'stream_names'):
        print('warning: no checkpoint given: the model has random weights',
              file=sys.stderr)
    real_inputs = []
    if args.input:
        try:
            sequence = load_skeleton_input(args.input, args.sample)
            real_inputs.append(
                pipeline_inputs(
                    config_test_pipeline(model.cfg),
                    sequence['keypoint'],
                    sequence.get('keypoint_score'),
                    frame_dir=sequence['frame_dir'],
                    default_scope=model.cfg.get('default_scope',
                                                'mmaction')))
        except (OSError, ValueError, KeyError, IndexError) as err:
            raise SystemExit(f'error: {err}')
    try:
        metadata = export_onnx(
            model,
            args.out,
            label_map=args.label_map,
            opset=args.opset,
            check_frames=args.check_frames,
            tolerance=args.tolerance,
            real_inputs=real_inputs,
            num_threads=args.threads,
            source=dict(
                config=osp.basename(args.config),
                checkpoint=osp.basename(checkpoint) if checkpoint else None),
            log=print)
    except (ParityError, ValueError, OSError) as err:
        raise SystemExit(f'error: {err}')
    parity = metadata['parity']
    print(f'max |ORT - torch| over {len(parity["checks"])} checks: '
          f'{parity["max_abs_diff"]:.2e} (tolerance {args.tolerance:g})')
    print(f'{args.out}: {metadata["input_layout"]} -> {metadata["output"]} '
          f'({metadata["num_classes"]} classes); streams '
          f'{"/".join(metadata["streams"])}, clip_len {metadata["clip_len"]}')
    return metadata


if __name__ == '__main__':
    main()
