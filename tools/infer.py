"""Recognise the action in one skeleton sequence and print the top-5 classes.

INPUT is an NTU RGB+D ``.skeleton`` file, a ``.npy`` array ``(T, V, C)`` or
``(M, T, V, C)``, an annotation ``.pkl`` (choose the sample with
``--sample INDEX_OR_FRAME_DIR`` when it holds several), or a pose
estimator's clip as ``tools/data/convert_poses.py`` reads it (mmpose or
OpenPose ``.json``, ``.npz``, ``.csv``, a folder of OpenPose per-frame
files; persons tracked, in the model's layout). The sequence goes
through the config's test pipeline. Class names come from the shipped label
map with the model's number of classes (NTU-60, NTU-120, Kinetics-400) or
from ``--label-map``.

CKPT may be ``none`` for a config whose model loads its own weights (the
multi-stream configs name one checkpoint per stream).

``--backend onnxruntime MODEL.onnx INPUT`` runs a file exported by
``tools/deployment/export_onnx.py`` with ONNX Runtime instead (``pip install
-e .[deploy]``): the same test pipeline (stored in the file), the same
top-k output; class names come from the file unless ``--label-map`` is
given.

Examples:
    python tools/infer.py configs/lsta_ntu60_xsub_joint.py CKPT \\
        S001C001P001R001A023.skeleton
    python tools/infer.py CONFIG CKPT seq.npy --out-json pred.json
    python tools/infer.py CONFIG CKPT data/ntu60_3d.pkl --sample 17
    python tools/infer.py --backend onnxruntime model.onnx seq.npy
"""
import _bootstrap  # noqa: F401,I001  (must precede torch: malloc, sys.path)
import argparse
import json
import os.path as osp
import sys

import mmengine  # noqa: E402
import torch  # noqa: E402

from lsta_mm.apis.inference import (  # noqa: E402
    inference_skeleton_array, init_recognizer, input_layout,
    load_skeleton_input, num_classes_of, top_k_labels)
from _bootstrap import user_errors  # noqa: E402
from lsta_mm.label_maps import default_label_map  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Top-k action classes of one skeleton sequence')
    parser.add_argument(
        'paths',
        nargs='+',
        metavar='CONFIG CKPT INPUT | MODEL.onnx INPUT',
        help='model config, checkpoint file (or none) and input (.skeleton, '
        '.npy, .pkl or a pose estimator\'s .json/.npz/.csv clip); with '
        '--backend onnxruntime the exported .onnx file and the input')
    parser.add_argument(
        '--backend',
        choices=['pytorch', 'onnxruntime'],
        default='pytorch',
        help='run the config\'s torch model, or an exported ONNX file with '
        'ONNX Runtime')
    parser.add_argument(
        '--sample', help='index or frame_dir of the sample in a .pkl')
    parser.add_argument(
        '--label-map',
        help='ntu60, ntu120, kinetics400 or a text file with one class '
        'name per line (default: chosen by the number of classes)')
    parser.add_argument('--topk', type=int, default=5)
    parser.add_argument(
        '--max-person', type=int, default=2,
        help='bodies kept from a .skeleton file or a pose estimator\'s '
        'clip')
    parser.add_argument(
        '--device',
        default='cuda:0' if torch.cuda.is_available() else 'cpu')
    parser.add_argument('--out-json', help='also write the result here')
    args = parser.parse_args(argv)
    if args.backend == 'onnxruntime':
        if len(args.paths) != 2:
            parser.error('--backend onnxruntime takes MODEL.onnx INPUT')
        args.config, args.checkpoint = args.paths[0], None
    else:
        if len(args.paths) != 3:
            parser.error('expected CONFIG CKPT INPUT')
        args.config, args.checkpoint = args.paths[:2]
    args.input = args.paths[-1]
    return args


def load_model(args):
    """The torch recognizer of CONFIG CKPT, or the ONNX Runtime one of
    MODEL.onnx; one error line when it cannot be had."""
    if args.backend == 'onnxruntime':
        from lsta_mm.apis import init_onnx_recognizer
        from lsta_mm.deployment import MissingDeployDependency
        try:
            return init_onnx_recognizer(args.config, device=args.device)
        except (MissingDeployDependency, OSError, ValueError) as err:
            raise SystemExit(f'error: {err}')
    checkpoint = None if args.checkpoint.lower() == 'none' else \
        args.checkpoint
    try:
        model = init_recognizer(args.config, checkpoint, device=args.device)
    except user_errors() as err:
        raise SystemExit(f'error: {err}')
    if checkpoint is None and not hasattr(model, 'stream_names'):
        print('warning: no checkpoint given: the model has random weights',
              file=sys.stderr)
    return model


def main(argv=None):
    args = parse_args(argv)
    if args.backend == 'onnxruntime':
        if not osp.isfile(args.config):
            raise SystemExit(f'ONNX model {args.config} does not exist')
    elif args.checkpoint.lower() != 'none' and not osp.isfile(
            args.checkpoint):
        raise SystemExit(f'checkpoint {args.checkpoint} does not exist')
    model = load_model(args)
    try:
        sequence = load_skeleton_input(
            args.input, args.sample, max_person=args.max_person,
            layout=input_layout(model))
    except (OSError, ValueError, KeyError, IndexError) as err:
        raise SystemExit(f'error: {err}')
    try:
        result = inference_skeleton_array(
            model,
            sequence['keypoint'],
            sequence.get('keypoint_score'),
            frame_dir=sequence['frame_dir'])
    except ValueError as err:
        raise SystemExit(f'error: {args.input}, sample {err}')
    label_map = args.label_map or getattr(
        model, 'class_names', None) or default_label_map(
            num_classes_of(model) or result.pred_score.numel())
    try:
        top = top_k_labels(result.pred_score, args.topk, label_map)
    except (OSError, ValueError) as err:
        raise SystemExit(f'error: {err}')

    m, t, v, c = sequence['keypoint'].shape
    print(f'{args.input}: {sequence["frame_dir"]}, {m} person(s), '
          f'{t} frames, {v} joints, {c} channels')
    width = max(len(name) for name, _ in top)
    for rank, (name, score) in enumerate(top, 1):
        print(f'{rank}. {name:<{width}}  {score:.4f}')
    if args.out_json:
        mmengine.mkdir_or_exist(osp.dirname(osp.abspath(args.out_json)))
        record = dict(
            input=args.input,
            frame_dir=sequence['frame_dir'],
            shape=[m, t, v, c],
            label_map=label_map if isinstance(label_map, str) else None,
            predictions=[
                dict(rank=r, label=name, score=score)
                for r, (name, score) in enumerate(top, 1)
            ],
            scores=[float(s) for s in result.pred_score.tolist()])
        if 'label' in sequence:
            record['gt_label'] = sequence['label']
        with open(args.out_json, 'w') as handle:
            json.dump(record, handle, indent=2)
        print(f'written to {args.out_json}')
    return top


if __name__ == '__main__':
    main()
