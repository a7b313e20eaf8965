"""Online recognition: a stream of three actions is followed, torch and
ONNX agree, bodies may come, go and vanish, and tools/infer_stream.py
replays a file into a timeline."""
import json
import os.path as osp

import numpy as np
import pytest
import torch
from deploy_utils import REPO_ROOT, RUNTIME

from lsta_mm.apis import (OnlineRecognizer, init_recognizer,
                          pipeline_inputs)
from lsta_mm.apis.inference import config_test_pipeline

INFER_STREAM = osp.join(REPO_ROOT, 'tools', 'infer_stream.py')
WINDOW = 24  # = clip_len of the config below
SEGMENT = 60  # frames per action in the stream

CONFIG = f'''
_base_ = [{RUNTIME!r}]
model = dict(
    type='RecognizerGCN',
    backbone=dict(type='LSTANet', graph_cfg=dict(layout='nturgb+d'),
                  num_person=1, stage_channels=(6, 12, 12),
                  stage_strides=(1, 2, 2), num_temporal_modules=1,
                  spatial_cfg=dict(type='MSDA', num_scales=2)),
    cls_head=dict(type='GCNHead', num_classes=3, in_channels=12))
test_pipeline = [
    dict(type='SkeletonStream', layout='nturgb+d', stream='joint',
         num_person=1, clip_len={WINDOW}, test_mode=True),
    dict(type='PackActionInputs', meta_keys=('frame_dir', ))]
test_dataloader = dict(dataset=dict(type='PoseDataset', ann_file='',
                                    pipeline=test_pipeline))
'''


def action(label: int, frames: int, rng) -> np.ndarray:
    """One body ``(1, T, 25, 3)``: the same upright skeleton, joint group
    ``label`` (6 joints) swinging along x at a random amplitude and phase.
    """
    fixed = np.random.default_rng(0)
    base = np.stack([
        fixed.uniform(-0.2, 0.2, 25),
        fixed.uniform(-0.8, 0.8, 25),
        fixed.uniform(2.9, 3.1, 25)
    ], -1)
    keypoint = base + rng.normal(0, 0.01, (frames, 25, 3))
    swing = rng.uniform(0.2, 0.4) * np.sin(
        2 * np.pi * np.arange(frames) / 12 + rng.uniform(0, 2 * np.pi))
    keypoint[:, 4 + 6 * label:10 + 6 * label, 0] += swing[:, None]
    return keypoint[None].astype(np.float32)


@pytest.fixture(scope='module')
def trained(tmp_path_factory):
    """A tiny LSTA-Net trained for seconds on the three actions, its
    checkpoint and its ONNX export: ``(config, ckpt, onnx, model)``."""
    from mmaction.structures import ActionDataSample
    from mmengine.runner import save_checkpoint

    from lsta_mm.deployment import export_onnx, torch_scores
    root = tmp_path_factory.mktemp('online')
    config = root / 'online.py'
    config.write_text(CONFIG)
    torch.manual_seed(0)
    model = init_recognizer(str(config), None, device='cpu')
    pipeline = config_test_pipeline(model.cfg)
    rng = np.random.default_rng(1)
    labels = torch.arange(60) % 3
    inputs = torch.from_numpy(
        np.stack([
            pipeline_inputs(pipeline,
                            action(int(y), int(rng.integers(20, 60)), rng))
            for y in labels
        ]))  # (60, 1, 1, 24, 25, 3)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    model.train()
    for _ in range(80):
        batch = torch.randperm(len(labels))[:16]
        samples = [
            ActionDataSample().set_gt_label(int(labels[i])) for i in batch
        ]
        losses = model(inputs[batch], samples, mode='loss')
        optimizer.zero_grad()
        sum(v for k, v in losses.items() if 'loss' in k).backward()
        optimizer.step()
    model.eval()
    accuracy = (torch_scores(model, inputs).argmax(1) == labels.numpy())
    assert accuracy.mean() >= 0.9, 'the tiny model did not learn'
    ckpt = str(root / 'online.pth')
    save_checkpoint({'state_dict': model.state_dict()}, ckpt)
    onnx_file = str(root / 'online.onnx')
    export_onnx(model, onnx_file, check_frames=(50, ), num_threads=1)
    return str(config), ckpt, onnx_file, model


def three_actions(seed: int = 7) -> np.ndarray:
    """Actions 0, 1, 2 of :data:`SEGMENT` frames each: ``(1, 180, 25, 3)``."""
    rng = np.random.default_rng(seed)
    return np.concatenate([action(label, SEGMENT, rng) for label in range(3)],
                          axis=1)


@pytest.mark.parametrize('backend', ['onnxruntime', 'pytorch'])
def test_top1_follows_three_concatenated_actions(trained, backend):
    _, _, onnx_file, model = trained
    recognizer = OnlineRecognizer(
        onnx_file if backend == 'onnxruntime' else model, hop=3,
        num_threads=1)
    assert recognizer.window == WINDOW
    results = recognizer.update_many(three_actions()[0][:, None])
    assert [r.frame_index for r in results] == list(range(2, 180, 3))
    for label in range(3):
        # after a warm-up of one window into the segment
        start, end = label * SEGMENT + WINDOW, (label + 1) * SEGMENT
        inside = [r.label for r in results if start <= r.frame_index < end]
        assert len(inside) >= 10
        assert np.bincount(inside, minlength=3).argmax() == label, inside


def test_onnx_and_torch_stream_scores_agree(trained):
    _, _, onnx_file, model = trained
    frames = three_actions(seed=3)[0][:, None]  # (T, 1 body, V, C)
    by_torch = OnlineRecognizer(model, hop=5, smoothing=0.6)
    by_onnx = OnlineRecognizer(onnx_file, hop=5, smoothing=0.6,
                               num_threads=1)
    a, b = by_torch.update_many(frames), by_onnx.update_many(frames)
    assert len(a) == len(b) == 36
    np.testing.assert_allclose(
        np.stack([r.smoothed for r in b]), np.stack([r.smoothed for r in a]),
        atol=1e-4)
    # a shorter clip than the config's: the dynamic T of the graph
    short = [
        OnlineRecognizer(m, window=12, clip_len=12, hop=12, num_threads=1)
        for m in (model, onnx_file)
    ]
    assert short[1].window == 12 and short[1].clip_len == 12
    c, d = (r.update_many(frames) for r in short)
    assert len(c) == len(d) == 15
    np.testing.assert_allclose(
        np.stack([r.scores for r in d]), np.stack([r.scores for r in c]),
        atol=1e-4)
    # smoothing: each emission mixes the previous smoothed scores in
    np.testing.assert_allclose(b[1].smoothed,
                               0.6 * b[0].smoothed + 0.4 * b[1].scores,
                               rtol=1e-6)


def test_the_window_covers_what_one_clip_reads(trained):
    """With frame_span a clip reads every k-th frame: the default window
    keeps clip_len * k frames, so the model sees the span it learned on."""
    import copy
    from lsta_mm.datasets.transforms import frames_covered
    model = trained[3]
    assert OnlineRecognizer(model).window == WINDOW  # every frame
    # the same network tested on every third frame of a 50-frame span
    spaced = copy.copy(model)  # shares the weights, not the config
    spaced.cfg = copy.deepcopy(model.cfg)
    spaced.cfg.test_dataloader.dataset.pipeline[0]['frame_span'] = 50
    recognizer = OnlineRecognizer(spaced, hop=1)
    assert recognizer.window == 3 * WINDOW and recognizer.clip_len == WINDOW
    body = three_actions()[0]
    for frame in body[:100]:
        result = recognizer.update(frame)
    assert recognizer.window_keypoint().shape == (1, 3 * WINDOW, 25, 3)
    assert result is not None and np.isfinite(result.scores).all()
    stream = dict(type='SkeletonStream', clip_len=WINDOW, frame_span=50)
    assert frames_covered([stream]) == 3 * WINDOW  # ceil(50 / 24) = 3
    assert frames_covered([dict(stream, frame_span=None)]) == WINDOW
    assert frames_covered([dict(type='PackActionInputs')]) is None
    # the paper's T = 300 (SkeletonStream's default clip_len) reads every
    # frame of a 100-frame span
    assert frames_covered([dict(type='SkeletonStream', frame_span=100)]) \
        == 300


def test_bodies_come_go_and_vanish(trained):
    _, _, onnx_file, _ = trained
    recognizer = OnlineRecognizer(onnx_file, hop=2, max_person=2,
                                  num_threads=1)
    body = three_actions()[0]  # (T, V, C) of one body
    far = body + np.array([1.5, 0, 0], np.float32)
    # no body yet: no scores, no crash
    assert recognizer.update(None) is None
    assert recognizer.update(np.zeros((0, 25, 3))) is None
    assert recognizer.update(np.zeros((2, 25, 3))) is None  # zeros: absent
    # one body, then a second enters, then a third (dropped: two slots)
    assert recognizer.update(body[0]) is not None
    recognizer.update(np.stack([body[1], far[1]]))
    recognizer.update(np.stack([far[2], body[2], body[2] - 3]))
    window = recognizer.window_keypoint()  # (M, T, V, C)
    assert window.shape == (2, 6, 25, 3)
    # each body stays in its slot although the order in the frame changed
    np.testing.assert_array_equal(window[0, 5], body[2])
    np.testing.assert_array_equal(window[1, 5], far[2])
    # both leave; after a whole window without bodies nothing is emitted
    results = [recognizer.update(None) for _ in range(WINDOW)]
    assert results[-1] is None and recognizer.smoothed is None
    assert any(r is not None for r in results[:4])
    # a new body takes a freed slot; ids keep bodies in their slots
    recognizer.update(np.stack([far[3], body[3]]), body_ids=['a', 'b'])
    recognizer.update(np.stack([body[4], far[4]]), body_ids=['b', 'a'])
    window = recognizer.window_keypoint()
    np.testing.assert_array_equal(window[0, -1], far[4])
    np.testing.assert_array_equal(window[1, -1], body[4])
    with pytest.raises(ValueError, match=r'a frame must be \(bodies, V=25'):
        recognizer.update(np.zeros((18, 3)))
    with pytest.raises(ValueError, match='2 body_ids for 1 bodies'):
        recognizer.update(body[5], body_ids=['a', 'b'])


def test_infer_stream_tool_writes_a_timeline(trained, tmp_path, run_tool):
    config, ckpt, onnx_file, _ = trained
    path = tmp_path / 'three.npy'
    np.save(path, three_actions())
    png, out_json = tmp_path / 'timeline.png', tmp_path / 'updates.json'
    gt = [f'--gt={i * SEGMENT}:{(i + 1) * SEGMENT}:{i}' for i in range(3)]
    code, text = run_tool(INFER_STREAM, [
        '--backend', 'onnxruntime', onnx_file, str(path), '--fps', '0',
        '--hop', '6', '--threads', '1', '--out-png', str(png), '--out-json',
        str(out_json)
    ] + gt)
    assert code == 0, text
    assert 'frame   179  top-1 class 2' in text
    assert 'latency median' in text
    assert png.read_bytes()[:8] == b'\x89PNG\r\n\x1a\n'
    record = json.loads(out_json.read_text())
    assert [g['label'] for g in record['ground_truth']] == [0, 1, 2]
    assert len(record['updates']) == 30
    # the torch backend runs the same replay
    code, text = run_tool(INFER_STREAM, [
        config, ckpt, str(path), '--fps', '0', '--hop', '60'
    ])
    assert code == 0, text
    assert text.count('top-1') == 3
    code, _ = run_tool(INFER_STREAM, [config, ckpt, str(path), '--gt',
                                      '0:10'])
    assert code == 'error: --gt 0:10: expected START:END:LABEL'
