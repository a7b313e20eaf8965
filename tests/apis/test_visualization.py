"""Figure 3 numbers: joint and frame importance from the last LSTA block."""
import numpy as np
import pytest
import torch
from mmengine.config import Config

from lsta_mm.apis import init_recognizer
from lsta_mm.apis.visualization import (draw_frame_importance,
                                        draw_joint_importance,
                                        feature_importance, resolve_layer)

CLIP_LEN = 16


def config(backbone):
    pipeline = [
        dict(
            type='SkeletonStream',
            layout='nturgb+d',
            stream='joint',
            clip_len=CLIP_LEN,
            test_mode=True),
        dict(type='PackActionInputs')
    ]
    channels = backbone.pop('out_channels')
    return Config(
        dict(
            default_scope='mmaction',
            model=dict(
                type='RecognizerGCN',
                backbone=backbone,
                cls_head=dict(
                    type='GCNHead', num_classes=4, in_channels=channels)),
            test_dataloader=dict(
                dataset=dict(type='PoseDataset', ann_file='',
                             pipeline=pipeline))))


def lsta_config():
    return config(
        dict(
            type='LSTANet',
            graph_cfg=dict(layout='nturgb+d'),
            stage_channels=(12, 24),
            stage_strides=(1, 2),
            out_channels=24))


@pytest.fixture(scope='module')
def model():
    from mmaction.utils import register_all_modules
    register_all_modules()
    torch.manual_seed(0)
    return init_recognizer(lsta_config(), None, device='cpu')


def sequence(persons=2, frames=11, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(persons, frames, 25, 3)).astype(np.float32)


def test_importance_shapes_and_scaling(model):
    info = feature_importance(model, sequence(persons=1, frames=11))
    assert info['layer'] == 'backbone.blocks.-1'
    # one person present although the clip has two (zero padding)
    assert info['joint_importance'].shape == (1, 25)
    assert info['response'].shape == (1, CLIP_LEN // 2, 25)
    # replay padding: every source frame 0..10 appears, scaled to [0, 1]
    assert info['frames'].tolist() == list(range(11))
    for key in ('frame_importance', 'joint_importance'):
        values = info[key]
        assert values.min() == pytest.approx(0)
        assert values.max() == pytest.approx(1)
    assert info['joints'].shape == (1, CLIP_LEN, 25, 3)


def test_response_is_the_last_block_output(model):
    """The hook sees what the backbone returns: its L2 norm over channels."""
    info = feature_importance(model, sequence())
    clip = torch.from_numpy(info['joints'])[None]  # (1, M, T, V, C)
    with torch.no_grad():
        feat = model.backbone(clip)  # (1, M, C, T', V)
    expected = feat[0].norm(dim=1).numpy()
    np.testing.assert_allclose(info['response'], expected, rtol=1e-5)


def test_cam_adds_up_to_the_predicted_logit(model):
    """GCNHead averages over persons, T' and V before its linear layer, so
    the mean of the class activation map plus the bias is the logit."""
    info = feature_importance(model, sequence(), importance='cam')
    clip = torch.from_numpy(info['joints'])[None]
    with torch.no_grad():
        logits = model.cls_head(model.backbone(clip))[0]
    best = int(np.argmax(info['pred_score']))
    assert best == int(logits.argmax())
    bias = float(model.cls_head.fc.bias[best].detach())
    assert info['response'].mean() + bias == pytest.approx(
        float(logits[best]), rel=1e-4, abs=1e-5)


def test_layers_are_found_or_refused(model):
    assert resolve_layer(model)[0] == 'backbone.blocks.-1'
    name, module = resolve_layer(model, 'backbone.blocks.0')
    assert module is model.backbone.blocks[0]
    stgcn = init_recognizer(
        config(
            dict(
                type='STGCN',
                graph_cfg=dict(layout='nturgb+d', mode='stgcn_spatial'),
                base_channels=8,
                num_stages=2,
                inflate_stages=[],
                down_stages=[2],
                out_channels=8)), None, device='cpu')
    assert resolve_layer(stgcn)[0] == 'backbone.gcn.-1'
    with pytest.raises(ValueError, match='cannot find layer'):
        resolve_layer(model, 'backbone.nothing')
    with pytest.raises(ValueError, match="'response' or 'cam'"):
        feature_importance(model, sequence(), importance='grad')


def test_figures_have_the_requested_size(model, tmp_path):
    import matplotlib.image as mpimg
    info = feature_importance(model, sequence())
    joints = draw_joint_importance(info, str(tmp_path / 'j.png'),
                                   size_px=(300, 200), dpi=50)
    frames = draw_frame_importance(info, str(tmp_path / 'f.png'),
                                   size_px=(500, 250), dpi=50)
    for path, (w, h) in ((joints, (300, 200)), (frames, (500, 250))):
        image = mpimg.imread(path)
        assert image.shape[:2] == (h, w)
        assert image[..., :3].std() > 0.01  # something is drawn
    with pytest.raises(ValueError, match='not in the clip'):
        draw_joint_importance(info, str(tmp_path / 'x.png'), frame=99)
