"""LSTANet: input/output shapes, gradients, parameter counts, learning."""
import math
import os.path as osp

import pytest
import torch
from mmaction.utils import register_all_modules
from mmengine.config import Config

import lsta_mm  # noqa: F401
from lsta_mm.models import LSTANet
from lsta_mm.registry import MODELS

register_all_modules()

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__)))))
TINY = dict(
    stage_channels=(6, 12, 12),
    stage_strides=(1, 2, 2),
    spatial_cfg=dict(type='MSDA', num_scales=3),
    temporal_cfg=dict(type='ATPA', num_fragments=3))


def _count(model):
    return sum(p.numel() for p in model.parameters())


@pytest.mark.parametrize('layout,num_node,in_channels', [
    ('nturgb+d', 25, 3),
    ('openpose', 18, 3),
    ('coco', 17, 2),
    ('coco', 17, 6),
])
@pytest.mark.parametrize('num_frames', [1, 2, 37, 300])
def test_input_and_output_shapes(layout, num_node, in_channels, num_frames):
    model = LSTANet(
        graph_cfg=dict(layout=layout), in_channels=in_channels, **TINY)
    out = model(torch.randn(2, 2, num_frames, num_node, in_channels))
    t_out = math.ceil(math.ceil(num_frames / 2) / 2)
    assert out.shape == (2, 2, 12, t_out, num_node)


def test_paper_model_shape_and_gradients(check_gradients):
    model = LSTANet(graph_cfg=dict(layout='nturgb+d'))
    model.init_weights()
    out = model(torch.randn(2, 2, 12, 25, 3))
    assert out.shape == (2, 2, 288, 3, 25)
    out.square().mean().backward()
    check_gradients(model)


def test_parameter_counts_from_configs():
    """Table 3: ~1.0M for the NTU-60 joint model; Table 5: MS-TCN ~1.2M."""
    cfg = Config.fromfile(osp.join(ROOT, 'configs/_base_/models/lsta.py'))
    joint = _count(MODELS.build(cfg.model))
    assert 0.95e6 <= joint <= 1.10e6
    cfg.model.backbone.temporal_cfg = dict(type='ResidualMSTCN')
    mstcn = _count(MODELS.build(cfg.model))
    assert 1.1e6 <= mstcn <= 1.3e6


def test_learns_a_separable_toy_task():
    """Class c moves joint group c: a tiny LSTANet + GCNHead fits it."""
    torch.manual_seed(0)
    model = MODELS.build(
        dict(
            type='RecognizerGCN',
            backbone=dict(
                type='LSTANet',
                graph_cfg=dict(layout='coco'),
                stage_channels=(8, 16),
                stage_strides=(1, 2),
                spatial_cfg=dict(type='MSDA', num_scales=2),
                temporal_cfg=dict(type='ATPA', num_fragments=2),
                num_temporal_modules=1,
                # each toy class moves one whole joint group, the centre
                # joint's among them: centring would erase that class
                center_input=False),
            cls_head=dict(type='GCNHead', num_classes=3, in_channels=16)))
    model.init_weights()
    groups = [slice(0, 5), slice(5, 11), slice(11, 17)]
    phase = torch.arange(16.) / 2

    def batch(size):
        labels = torch.randint(0, 3, (size, ))
        x = torch.randn(size, 2, 16, 17, 3) * 0.3
        for i, label in enumerate(labels):
            x[i, :, :, groups[label], 1] += torch.sin(phase)[:, None]
        return x, labels

    optimizer = torch.optim.Adam(model.parameters(), lr=0.03)
    losses = []
    for _ in range(40):
        x, labels = batch(12)
        scores, _ = model.extract_feat(x[:, None], stage='head')
        loss = torch.nn.functional.cross_entropy(scores, labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    model.eval()
    x, labels = batch(60)
    with torch.no_grad():
        scores, _ = model.extract_feat(x[:, None], stage='head')
    accuracy = (scores.argmax(dim=1) == labels).float().mean().item()
    assert sum(losses[-5:]) < sum(losses[:5]) / 2
    assert accuracy >= 0.9


def test_data_norm_is_per_person_joint_and_coordinate():
    model = LSTANet(graph_cfg=dict(layout='coco'), num_person=3, **TINY)
    assert model.data_bn.num_features == 3 * 17 * 3
    assert model(torch.randn(1, 3, 4, 17, 3)).shape[:2] == (1, 3)


def test_shared_data_norm_treats_every_person_alike():
    """'VC': one statistic per joint and coordinate, shared by persons."""
    model = LSTANet(
        graph_cfg=dict(layout='coco'), num_person=3, data_bn_type='VC',
        center_input=False, **TINY)
    assert model.data_bn.num_features == 17 * 3
    x = torch.randn(4, 3, 6, 17, 3)
    model.train()
    model(x)
    # the running mean is the mean over samples, persons and frames
    momentum = model.data_bn.momentum
    expected = momentum * x.permute(0, 1, 3, 4, 2).reshape(
        12, 17 * 3, 6).mean(dim=(0, 2))
    assert torch.allclose(model.data_bn.running_mean, expected, atol=1e-6)
    # so swapping two persons swaps their outputs exactly
    model.eval()
    swapped = x[:, [1, 0, 2]]
    assert torch.allclose(model(swapped), model(x)[:, [1, 0, 2]], atol=1e-5)
    with pytest.raises(ValueError, match='data_bn_type'):
        LSTANet(graph_cfg=dict(layout='coco'), data_bn_type='CV', **TINY)


def test_bad_input_gets_one_clear_error():
    model = LSTANet(graph_cfg=dict(layout='nturgb+d'), **TINY)
    for shape in [(1, 2, 8, 18, 3), (1, 1, 8, 25, 3), (1, 2, 8, 25, 2),
                  (2, 8, 25, 3)]:
        with pytest.raises(ValueError, match='LSTANet: expected input'):
            model(torch.randn(shape))


def test_stage_plan_must_match():
    with pytest.raises(ValueError, match='equal length'):
        LSTANet(
            graph_cfg=dict(layout='coco'),
            stage_channels=(72, 144),
            stage_strides=(1, 2, 2))


def _translated(x, coord_dims, seed=1):
    """``x`` with one random offset per sample and frame added to every
    present joint's coordinates (as a pipeline that does not centre per
    frame leaves them)."""
    offset = torch.randn(x.shape[0], 1, x.shape[2], 1, coord_dims,
                         generator=torch.Generator().manual_seed(seed))
    present = (x[..., :coord_dims].abs().sum(-1, keepdim=True) > 0).float()
    moved = x.clone()
    moved[..., :coord_dims] += offset * present
    return moved


@pytest.mark.parametrize('layout,num_node,channels,coord_dims', [
    ('nturgb+d', 25, 3, 3),
    ('openpose', 18, 3, 2),
])
def test_center_input_makes_the_network_blind_to_per_frame_translation(
        layout, num_node, channels, coord_dims):
    """Section 3.2's translation inside the network: moving every present
    joint of a frame by one offset changes nothing; a zero-padded second
    person stays zero; score channels are left alone."""
    torch.manual_seed(0)
    x = torch.randn(3, 2, 10, num_node, channels)
    x[0, 1] = 0  # a one-person sample
    model = LSTANet(graph_cfg=dict(layout=layout), **TINY).eval()
    moved = _translated(x, coord_dims)
    centred = model.center_on_main_person(moved)
    assert not centred[0, 1].any()
    torch.testing.assert_close(centred[..., coord_dims:],
                               moved[..., coord_dims:])
    torch.testing.assert_close(model(moved), model(x), atol=1e-5, rtol=1e-4)
    plain = LSTANet(
        graph_cfg=dict(layout=layout), center_input=False, **TINY).eval()
    plain.load_state_dict(model.state_dict())
    assert not torch.allclose(plain(moved), plain(x), atol=1e-3)


@pytest.mark.parametrize('stream', ['joint', 'bone', 'joint_motion',
                                    'bone_motion'])
def test_center_input_changes_nothing_on_skeleton_stream_output(stream):
    """Our pipeline already centres every frame: the network's own step is
    an exact no-op on its output, in every stream."""
    from lsta_mm.datasets.transforms import SkeletonStream
    rng = torch.Generator().manual_seed(2)
    samples = []
    for index in range(4):
        joint = torch.randn(2, 30, 25, 3, generator=rng).numpy() + 2.0
        if index % 2:
            joint[1] = 0  # one person
        out = SkeletonStream(
            'nturgb+d', stream, clip_len=20,
            test_mode=bool(index // 2))(dict(keypoint=joint, total_frames=30))
        samples.append(torch.from_numpy(out['keypoint'][0]))
    x = torch.stack(samples)
    model = LSTANet(graph_cfg=dict(layout='nturgb+d'), **TINY)
    assert torch.equal(model.center_on_main_person(x), x)


def test_ddp_does_not_copy_pointwise_gradients():
    """DDP compares a gradient's strides with its parameter's bucket view
    exactly; on channels-last activations a 1x1 conv's weight gradient can
    come with channels-last strides (here at the demo config's widths and
    batch 16), so the weights are given the same ones. Before, DDP warned
    "Grad strides do not match bucket view strides" under
    `tools/dist_train.sh` and copied each such gradient every step."""
    import socket
    import warnings

    import torch.distributed as dist
    from torch.nn.parallel import DistributedDataParallel
    with socket.socket() as probe:
        probe.bind(('127.0.0.1', 0))
        port = probe.getsockname()[1]
    dist.init_process_group(
        'gloo', rank=0, world_size=1, init_method=f'tcp://127.0.0.1:{port}')
    try:
        torch.manual_seed(0)
        model = LSTANet(
            graph_cfg=dict(layout='nturgb+d'),
            stage_channels=(24, 48, 96),
            spatial_cfg=dict(type='MSDA', num_scales=4))
        model.init_weights()
        ddp = DistributedDataParallel(model)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter('always')
            ddp(torch.randn(16, 2, 48, 25, 3)).sum().backward()
    finally:
        dist.destroy_process_group()
    assert not [w for w in caught if 'bucket view strides' in str(w.message)]
