"""tools/visualize.py (paper Fig. 3) and tools/analysis/plot_curves.py."""
import json
import os.path as osp
import pickle
import sys

import numpy as np
import pytest
import torch

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
VISUALIZE = osp.join(REPO_ROOT, 'tools', 'visualize.py')
PLOT = osp.join(REPO_ROOT, 'tools', 'analysis', 'plot_curves.py')

STREAM, CLIP_LEN = 'bone', 24


def png_size(path):
    import matplotlib.image as mpimg
    image = mpimg.imread(path)
    return image.shape[1], image.shape[0], float(image[..., :3].std())


def test_visualize_writes_figure3_pngs(tmp_path, run_tool,
                                       tiny_lsta_config):
    from mmaction.utils import register_all_modules
    from mmengine.runner import save_checkpoint

    from lsta_mm.apis import init_recognizer
    register_all_modules()
    config = tmp_path / 'tiny.py'
    config.write_text(tiny_lsta_config(STREAM, CLIP_LEN))
    torch.manual_seed(0)
    model = init_recognizer(str(config), None, device='cpu')
    ckpt = str(tmp_path / 'tiny.pth')
    save_checkpoint({'state_dict': model.state_dict()}, ckpt)
    rng = np.random.default_rng(0)
    annotations = [
        dict(frame_dir=f'S001C001P001R001A00{i + 1}', label=i,
             total_frames=frames,
             keypoint=rng.normal(size=(persons, frames, 25, 3)).astype(
                 np.float32))
        for i, (frames, persons) in enumerate([(18, 2), (30, 1)])
    ]
    with open(tmp_path / 'ann.pkl', 'wb') as handle:
        pickle.dump(dict(split={}, annotations=annotations), handle)
    out_dir = tmp_path / 'vis'
    code, out = run_tool(VISUALIZE, [
        str(config), ckpt, str(tmp_path / 'ann.pkl'), '--sample', '0',
        'S001C001P001R001A002', '--out-dir', str(out_dir), '--joint-size',
        '400', '300', '--frame-size', '640', '320'
    ])
    assert code == 0, out
    for name, frames in (('S001C001P001R001A001', 18),
                         ('S001C001P001R001A002', 30)):
        joints = out_dir / f'{name}_joints.png'
        curve = out_dir / f'{name}_frames.png'
        width, height, spread = png_size(joints)
        assert (width, height) == (400, 300) and spread > 0.01
        width, height, spread = png_size(curve)
        assert (width, height) == (640, 320) and spread > 0.01
        with open(out_dir / f'{name}_importance.json') as handle:
            record = json.load(handle)
        # a bone-stream config: the figure still shows the joints, and the
        # curve covers every source frame (30 > clip_len=24 is shortened)
        assert record['layer'] == 'backbone.blocks.-1'
        assert len(record['frames']) == min(frames, 24)
        assert min(record['frame_importance']) == 0
        assert max(record['frame_importance']) == 1
    with open(out_dir / 'S001C001P001R001A002_importance.json') as handle:
        assert len(json.load(handle)['joint_importance']) == 1  # 1 person


def write_scalars(run_dir, train_steps, val_epochs, start=0):
    vis = run_dir / 'vis_data'
    vis.mkdir(parents=True)
    with open(vis / 'scalars.json', 'w') as handle:
        for step in range(start + 1, start + train_steps + 1):
            handle.write(json.dumps(dict(
                lr=0.1, loss=2.0 / step, loss_cls=2.0 / step, epoch=step // 4,
                iter=step, step=step)) + '\n')
        for epoch in val_epochs:
            handle.write(json.dumps({'acc/top1': 0.1 * epoch,
                                     'acc/top5': 0.2 * epoch,
                                     'step': epoch}) + '\n')


def test_plot_curves_joins_resumed_runs(tmp_path, run_tool):
    sys.path.insert(0, osp.dirname(PLOT))
    from plot_curves import load_scalars
    write_scalars(tmp_path / '20260101_000000', 8, [1, 2])
    write_scalars(tmp_path / '20260101_010000', 8, [3, 4], start=8)
    scalars = load_scalars(str(tmp_path))
    assert scalars['train']['step'].tolist() == list(range(1, 17))
    assert scalars['val']['acc/top1'] == pytest.approx([0.1, 0.2, 0.3, 0.4])
    code, out = run_tool(PLOT, [str(tmp_path), '--size', '500', '300'])
    assert code == 0, out
    for name in ('loss.png', 'top1.png'):
        width, height, spread = png_size(tmp_path / name)
        assert (width, height) == (500, 300) and spread > 0.01
    code, _ = run_tool(PLOT, [str(tmp_path / 'nothing')])
    assert 'does not exist' in str(code)


def test_visualize_user_errors_are_one_line(tmp_path, run_tool,
                                            tiny_lsta_config):
    from mmaction.utils import register_all_modules
    from mmengine.runner import save_checkpoint

    from lsta_mm.apis import init_recognizer
    register_all_modules()
    config = tmp_path / 'tiny.py'
    config.write_text(tiny_lsta_config(STREAM, CLIP_LEN))
    model = init_recognizer(str(config), None, device='cpu')
    ckpt = str(tmp_path / 'tiny.pth')
    save_checkpoint({'state_dict': model.state_dict()}, ckpt)
    coco = tmp_path / 'coco.npy'
    np.save(coco, np.zeros((20, 17, 3), np.float32))
    text = tmp_path / 'notes.pth'
    text.write_text('not weights\n')
    for args, message in (
        ([ckpt, str(coco)], '17 joints per person, but the model was built'),
        ([str(text), str(coco)], 'is not a checkpoint: it holds text'),
    ):
        code, out = run_tool(VISUALIZE, [str(config)] + args +
                             ['--out-dir', str(tmp_path / 'vis')])
        assert message in str(code) and 'Traceback' not in out
