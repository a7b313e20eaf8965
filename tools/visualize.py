"""Draw the paper's Figure 3 for skeleton sequences and a trained model.

For each sample two PNGs (and the numbers as JSON) go to ``--out-dir``:

* ``<name>_joints.png`` (Fig. 3 TOP): the skeleton, drawn from the layout's
  edges, with a green circle per joint whose size is the joint's importance
  in the last LSTA block's feature responses;
* ``<name>_frames.png`` (Fig. 3 BOTTOM): the importance of every input frame
  scaled to [0, 1], under skeleton sketches of evenly spaced frames.

How importance is computed: ``lsta_mm/apis/visualization.py``.

Examples:
    python tools/visualize.py configs/lsta_ntu60_xsub_joint.py CKPT \\
        data/skeleton/ntu60_3d.pkl --sample S001C001P001R001A023 \\
        --out-dir vis/
    python tools/visualize.py CONFIG CKPT seq.skeleton --importance cam
    python tools/visualize.py CONFIG CKPT seq.npy --layer backbone.blocks.1
"""
import _bootstrap  # noqa: F401,I001  (must precede torch: malloc, sys.path)
import argparse
import os.path as osp
import sys

import mmengine  # noqa: E402
import torch  # noqa: E402

from lsta_mm.apis.inference import (config_test_pipeline,  # noqa: E402
                                    init_recognizer, load_skeleton_input,
                                    num_classes_of)
from lsta_mm.apis.visualization import (draw_frame_importance,  # noqa: E402
                                        draw_joint_importance,
                                        feature_importance,
                                        save_importance_json)
from _bootstrap import user_errors  # noqa: E402
from lsta_mm.label_maps import default_label_map, load_label_map  # noqa


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Joint and frame importance (paper Fig. 3) as PNGs')
    parser.add_argument('config', help='model config file')
    parser.add_argument('checkpoint', help='checkpoint file, or none')
    parser.add_argument('input', help='.skeleton, .npy or .pkl file')
    parser.add_argument(
        '--sample',
        nargs='+',
        help='index(es) or frame_dir(s) of samples in a .pkl')
    parser.add_argument(
        '--out-dir', default='vis', help='where the PNGs go')
    parser.add_argument(
        '--layer',
        help='dotted path of the layer to visualise (default: the '
        'backbone\'s last block, backbone.blocks.-1 for LSTANet)')
    parser.add_argument(
        '--importance',
        choices=['response', 'cam'],
        default='response',
        help='response: channel L2 norm of the feature maps (the paper); '
        'cam: class activation map of the predicted class')
    parser.add_argument(
        '--layout',
        help='skeleton layout for drawing (default: from the config)')
    parser.add_argument(
        '--frame',
        type=int,
        help='source frame of the joint figure (default: the most '
        'important frame)')
    parser.add_argument(
        '--sketches', type=int, default=6,
        help='skeleton sketches above the frame curve')
    parser.add_argument('--label-map', help='ntu60, ntu120, kinetics400 or '
                        'a file (default: by the number of classes)')
    parser.add_argument(
        '--joint-size', type=int, nargs=2, default=(600, 600),
        metavar=('W', 'H'), help='joint figure size in pixels')
    parser.add_argument(
        '--frame-size', type=int, nargs=2, default=(1000, 500),
        metavar=('W', 'H'), help='frame figure size in pixels')
    parser.add_argument('--dpi', type=int, default=100)
    parser.add_argument(
        '--device',
        default='cuda:0' if torch.cuda.is_available() else 'cpu')
    return parser.parse_args(argv)


def layout_of(cfg) -> str:
    """The skeleton layout named by the config (pipeline or backbone)."""
    for step in config_test_pipeline(cfg):
        for key in ('layout', 'dataset'):
            if isinstance(step.get(key), (str, dict)) and step.get(
                    'type') in ('SkeletonStream', 'ToSkeletonStream',
                                'GenSkeFeat', 'JointToBone'):
                return step[key]
    model = cfg.model
    if 'layout' in model:
        return model['layout']
    graph = model.get('backbone', {}).get('graph_cfg', {})
    return graph.get('layout', 'nturgb+d')


def main(argv=None):
    args = parse_args(argv)
    checkpoint = None if args.checkpoint.lower() == 'none' else \
        args.checkpoint
    if checkpoint is not None and not osp.isfile(checkpoint):
        raise SystemExit(f'checkpoint {checkpoint} does not exist')
    samples = args.sample or [None]
    try:
        sequences = [load_skeleton_input(args.input, s) for s in samples]
    except (OSError, ValueError, KeyError, IndexError) as err:
        raise SystemExit(f'error: {err}')
    try:
        model = init_recognizer(args.config, checkpoint, device=args.device)
    except user_errors() as err:
        raise SystemExit(f'error: {err}')
    if checkpoint is None and not hasattr(model, 'stream_names'):
        print('warning: no checkpoint given: the model has random weights',
              file=sys.stderr)
    layout = args.layout or layout_of(model.cfg)
    label_map = args.label_map or default_label_map(
        num_classes_of(model) or 0)
    names = load_label_map(label_map) if label_map else None
    mmengine.mkdir_or_exist(args.out_dir)
    written = []
    progress = mmengine.ProgressBar(len(sequences))
    for seq in sequences:
        try:
            info = feature_importance(model, seq['keypoint'],
                                      seq.get('keypoint_score'),
                                      seq['frame_dir'], args.layer,
                                      args.importance)
        except ValueError as err:  # below the progress bar's line
            raise SystemExit(f'\nerror: {args.input}, sample {err}')
        stem = osp.join(args.out_dir, seq['frame_dir'])
        written.append(
            draw_joint_importance(
                info, stem + '_joints.png', layout, args.frame, names,
                tuple(args.joint_size), args.dpi))
        written.append(
            draw_frame_importance(info, stem + '_frames.png', layout,
                                  args.sketches, names,
                                  tuple(args.frame_size), args.dpi))
        written.append(save_importance_json(info, stem + '_importance.json'))
        progress.update()
    print()
    for path in written:
        print(f'written {path}')
    return written


if __name__ == '__main__':
    main()
