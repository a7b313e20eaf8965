"""Normalisation and translation (paper section 3.2)."""
import numpy as np
import pytest

import lsta_mm  # noqa: F401
from lsta_mm.datasets.transforms import NormalizeSkeleton
from lsta_mm.datasets.transforms.augment import euler_matrix
from lsta_mm.utils.topology import get_topology


def _body(frames=10, seed=0):
    rng = np.random.default_rng(seed)
    kp = rng.normal(0, 0.3, (2, frames, 25, 3)).astype(np.float32)
    kp += np.array([0.5, 0.2, 3.0], np.float32)
    return kp


def test_translation_and_rotation_3d():
    kp = _body()
    kp[1, :3] = 0  # second person enters late
    out = NormalizeSkeleton('nturgb+d')(dict(keypoint=kp.copy()))['keypoint']
    center = get_topology('nturgb+d').center
    assert not out[0, :, center].any()  # centre at the origin, per frame
    assert not out[1, :3].any()  # absent joints stay zero
    spine = out[0, 0, 1] - out[0, 0, 0]
    np.testing.assert_allclose(spine[:2], 0, atol=1e-5)
    assert spine[2] > 0
    shoulder = out[0, 0, 8] - out[0, 0, 4]
    assert abs(shoulder[1]) < 1e-5 and shoulder[0] > 0
    # a rigid motion of the input does not change the output
    rot = euler_matrix([0.3, -0.5, 1.0]).astype(np.float32)
    moved = kp @ rot.T + np.array([1.0, -2.0, 0.5], np.float32)
    moved[1, :3] = 0
    out2 = NormalizeSkeleton('nturgb+d')(dict(keypoint=moved))['keypoint']
    np.testing.assert_allclose(out, out2, atol=1e-4)


def test_empty_frames_removed_and_main_person_first():
    kp = _body(frames=8)
    kp[0, :6] = 0  # person 0 appears only in 2 frames
    kp[:, 7] = 0  # nobody in the last frame
    res = NormalizeSkeleton('nturgb+d', center='first')(dict(keypoint=kp))
    assert res['total_frames'] == 7 and res['keypoint'].shape[1] == 7
    assert res['keypoint'][0].any(axis=(1, 2)).all()  # main = most frames


def test_2d_with_score_translates_coordinates_only():
    rng = np.random.default_rng(1)
    kp = rng.uniform(0, 1, (1, 5, 18, 2)).astype(np.float32)
    score = rng.uniform(0.1, 1, (1, 5, 18)).astype(np.float32)
    score[0, 2, 4] = 0  # undetected
    out = NormalizeSkeleton('openpose')(
        dict(keypoint=kp, keypoint_score=score))['keypoint']
    assert out.shape == (1, 5, 18, 3)
    np.testing.assert_array_equal(out[..., 2], score)
    np.testing.assert_allclose(out[0, :, 1, :2], 0)  # neck at origin
    np.testing.assert_allclose(out[0, 3, 7, :2], kp[0, 3, 7] - kp[0, 3, 1],
                               rtol=1e-6)
    assert not out[0, 2, 4, :2].any()


def test_bad_center():
    with pytest.raises(ValueError, match='center'):
        NormalizeSkeleton(center='mean')


def test_custom_3d_layout_states_its_body_axes_once():
    """A custom layout dict carries coord_dims and the body axes; the
    normalisation (and every other consumer) reads them from the
    topology."""
    chain = dict(num_node=5, inward=[(1, 0), (2, 1), (3, 1), (4, 1)],
                 center=0)
    kp = np.random.default_rng(0).normal(0, 1, (1, 4, 5, 3)).astype(
        np.float32)
    plain = NormalizeSkeleton(dict(chain))
    assert plain.coord_dims == 2 and not plain.rotate  # nothing stated
    layout = dict(chain, coord_dims=3, spine_axis=(0, 1),
                  shoulder_axis=(3, 4))
    norm = NormalizeSkeleton(layout)
    assert norm.rotate and norm.zaxis == (0, 1) and norm.xaxis == (3, 4)
    out = norm(dict(keypoint=kp.copy()))['keypoint']
    spine = out[0, 0, 1] - out[0, 0, 0]
    np.testing.assert_allclose(spine[:2], 0, atol=1e-5)
    shoulder = out[0, 0, 3] - out[0, 0, 4]
    assert abs(shoulder[1]) < 1e-5 and shoulder[0] > 0
