"""Joint, bone and motion streams (paper section 3.3)."""
import numpy as np
import pytest

import lsta_mm  # noqa: F401
from lsta_mm.datasets.transforms import STREAMS, ToSkeletonStream
from lsta_mm.datasets.transforms.skeleton_streams import (joint_to_bone,
                                                          to_motion)
from lsta_mm.utils.topology import get_topology

# (layout, channels, coordinate channels): 2-D layouts carry a score.
CASES = [('nturgb+d', 3, 3), ('openpose', 3, 2), ('coco', 3, 2),
         ('coco', 2, 2)]


def _joints(layout, channels, seed=0, frames=6):
    rng = np.random.default_rng(seed)
    num_node = get_topology(layout).num_node
    joint = rng.normal(size=(2, frames, num_node, channels)).astype(
        np.float32)
    if channels == 3 and layout != 'nturgb+d':
        joint[..., 2] = rng.uniform(0.2, 1.0, joint.shape[:3])  # scores
    return joint


@pytest.mark.parametrize('layout,channels,coords', CASES)
def test_bone_is_joint_minus_parent(layout, channels, coords):
    topology = get_topology(layout)
    joint = _joints(layout, channels)
    out = ToSkeletonStream(layout, 'bone')(dict(keypoint=joint.copy()))
    bone = out['keypoint']
    assert bone.shape == joint.shape and bone.dtype == np.float32
    for v in range(topology.num_node):
        parent = topology.parents[v]
        np.testing.assert_allclose(
            bone[..., v, :coords],
            joint[..., v, :coords] - joint[..., parent, :coords],
            rtol=1e-6)
    assert not bone[..., topology.center, :coords].any()
    pairs = {(v, int(topology.parents[v]))
             for v in range(topology.num_node) if v != topology.center}
    assert pairs == set(topology.inward)


@pytest.mark.parametrize('layout,channels,coords', CASES)
def test_motion_is_frame_difference(layout, channels, coords):
    joint = _joints(layout, channels)
    motion = ToSkeletonStream(layout, 'joint_motion')(
        dict(keypoint=joint.copy()))['keypoint']
    np.testing.assert_allclose(motion[:, :-1, :, :coords],
                               joint[:, 1:, :, :coords] -
                               joint[:, :-1, :, :coords], rtol=1e-6)
    assert not motion[:, -1, :, :coords].any()
    bone_motion = ToSkeletonStream(layout, 'bone_motion')(
        dict(keypoint=joint.copy()))['keypoint']
    bone = joint_to_bone(joint, get_topology(layout).parents, coords)
    np.testing.assert_allclose(bone_motion, to_motion(bone, coords),
                               rtol=1e-6)


@pytest.mark.parametrize('layout', ['openpose', 'coco'])
def test_score_channel_is_kept_not_differenced(layout):
    joint = _joints(layout, 3)
    parents = get_topology(layout).parents
    bone = ToSkeletonStream(layout, 'bone')(
        dict(keypoint=joint.copy()))['keypoint']
    np.testing.assert_allclose(bone[..., 2],
                               (joint[..., 2] + joint[..., parents, 2]) / 2)
    motion = ToSkeletonStream(layout, 'joint_motion')(
        dict(keypoint=joint.copy()))['keypoint']
    np.testing.assert_allclose(motion[:, :-1, :, 2],
                               (joint[:, 1:, :, 2] + joint[:, :-1, :, 2]) / 2)
    assert (motion[..., 2] > 0).all()  # never a difference of scores
    # an undetected joint (score 0) gives zero vectors, not "0 - parent"
    joint[0, 2, 5, 2] = 0
    bone = ToSkeletonStream(layout, 'bone')(
        dict(keypoint=joint.copy()))['keypoint']
    assert not bone[0, 2, 5, :2].any()


def test_separate_keypoint_score_is_merged():
    joint = _joints('coco', 3)
    results = dict(keypoint=joint[..., :2].copy(),
                   keypoint_score=joint[..., 2].copy())
    out = ToSkeletonStream('coco', 'bone')(results)
    assert 'keypoint_score' not in out
    assert out['keypoint'].shape == joint.shape
    np.testing.assert_allclose(
        out['keypoint'],
        ToSkeletonStream('coco', 'bone')(dict(keypoint=joint))['keypoint'])


@pytest.mark.parametrize('stream', STREAMS)
@pytest.mark.parametrize('layout,channels,coords', CASES)
def test_shapes_per_layout(stream, layout, channels, coords):
    joint = _joints(layout, channels)
    out = ToSkeletonStream(layout, stream)(dict(keypoint=joint))
    assert out['keypoint'].shape == joint.shape


def test_bad_arguments_are_named():
    with pytest.raises(ValueError,
                       match=r'unknown stream\(s\) \[.angle.\].*bone'):
        ToSkeletonStream('nturgb+d', 'angle')
    with pytest.raises(ValueError, match='24 joints.*25'):
        ToSkeletonStream('nturgb+d', 'bone')(
            dict(keypoint=np.zeros((1, 4, 24, 3), np.float32)))


@pytest.mark.parametrize('layout,channels,coords', CASES)
def test_bone_root_position_keeps_where_the_centre_stands(
        layout, channels, coords):
    """``bone_root='position'`` changes only the centre joint's bone: it
    holds the joint's coordinates (its score stays the score)."""
    topology = get_topology(layout)
    joint = _joints(layout, channels)
    zero = ToSkeletonStream(layout, 'bone')(dict(keypoint=joint.copy()))
    kept = ToSkeletonStream(
        layout, 'bone', bone_root='position')(dict(keypoint=joint.copy()))
    zero, kept = zero['keypoint'], kept['keypoint']
    centre = topology.center
    np.testing.assert_array_equal(kept[..., centre, :coords],
                                  joint[..., centre, :coords])
    others = [v for v in range(topology.num_node) if v != centre]
    np.testing.assert_array_equal(kept[..., others, :], zero[..., others, :])
    np.testing.assert_array_equal(kept[..., centre, coords:],
                                  zero[..., centre, coords:])


def test_bone_root_position_tells_two_persons_apart_after_normalisation():
    """After the pipeline's normalisation the main person's centre is the
    origin: its root bone is zero, the second person's is their offset."""
    from lsta_mm.datasets.transforms import SkeletonStream
    joint = _joints('nturgb+d', 3, frames=8)
    joint[1] = joint[0] + np.array([1.5, 0.0, 0.0], np.float32)
    out = SkeletonStream(
        'nturgb+d', 'bone', clip_len=8, test_mode=True, bone_root='position',
        normalize=dict(rotate=False))(dict(keypoint=joint, total_frames=8))
    root = out['keypoint'][0, :, :, get_topology('nturgb+d').center]
    np.testing.assert_allclose(root[0], 0, atol=1e-6)
    np.testing.assert_allclose(root[1], [[1.5, 0.0, 0.0]] * 8, atol=1e-5)


def test_unknown_bone_root_is_named():
    with pytest.raises(ValueError, match="bone_root.*'zero', 'position'"):
        ToSkeletonStream('nturgb+d', 'bone', bone_root='origin')
