"""Optional training augmentations: random affine and valid-frame crop."""
import numpy as np
import pytest

import lsta_mm  # noqa: F401
from lsta_mm.datasets.transforms import RandomSkeletonAffine, RandomValidCrop


def test_rotation_keeps_lengths_and_absent_joints():
    rng = np.random.default_rng(0)
    kp = rng.normal(size=(2, 6, 25, 3)).astype(np.float32)
    kp[1, 4:] = 0
    aug = RandomSkeletonAffine('nturgb+d', rotate=30, scale=0, shift=0)
    out = aug(dict(keypoint=kp.copy()))['keypoint']
    assert not np.allclose(out, kp)
    np.testing.assert_allclose(
        np.linalg.norm(out[0, :, 3] - out[0, :, 2], axis=-1),
        np.linalg.norm(kp[0, :, 3] - kp[0, :, 2], axis=-1), rtol=1e-5)
    assert not out[1, 4:].any()
    other = aug(dict(keypoint=kp.copy()))['keypoint']
    assert not np.allclose(out, other)  # a new draw per call


def test_2d_affine_leaves_scores():
    rng = np.random.default_rng(1)
    kp = rng.uniform(size=(1, 4, 17, 2)).astype(np.float32)
    score = rng.uniform(0.5, 1, (1, 4, 17)).astype(np.float32)
    out = RandomSkeletonAffine('coco', rotate=20, scale=0.2, shift=0.1)(
        dict(keypoint=kp, keypoint_score=score))['keypoint']
    assert out.shape == (1, 4, 17, 3)
    np.testing.assert_array_equal(out[..., 2], score)


def test_valid_crop_is_contiguous_part():
    kp = np.zeros((1, 40, 25, 3), np.float32)
    kp[0, 10:30] = np.arange(20, dtype=np.float32)[:, None, None] + 1
    crop = RandomValidCrop(ratio_range=(0.5, 0.5))
    for _ in range(5):
        out = crop(dict(keypoint=kp.copy()))
        part = out['keypoint'][0, :, 0, 0]
        assert out['total_frames'] == 10 == part.size
        assert (np.diff(part) == 1).all() and part[0] >= 1 and part[-1] <= 20


def test_bad_ranges():
    with pytest.raises(ValueError, match='ratio_range'):
        RandomValidCrop(ratio_range=(0.5, 1.5))
    with pytest.raises(ValueError):
        RandomSkeletonAffine(scale=1.5)
