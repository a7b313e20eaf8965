"""Replay padding to a fixed T (paper section 3.2)."""
import numpy as np
import pytest

import lsta_mm  # noqa: F401
from lsta_mm.datasets.transforms import ReplayPad


def _seq(frames, persons=2, joints=25):
    data = np.arange(persons * frames * joints * 3, dtype=np.float32)
    return data.reshape(persons, frames, joints, 3)


@pytest.mark.parametrize('frames', [1, 7, 30])
def test_replay_repeats_the_sequence(frames):
    seq = _seq(frames)
    score = seq[..., 0].copy()
    out = ReplayPad(clip_len=30)(dict(keypoint=seq, keypoint_score=score))
    assert out['keypoint'].shape == (2, 30, 25, 3)
    assert out['total_frames'] == 30
    for t in range(30):
        np.testing.assert_array_equal(out['keypoint'][:, t],
                                      seq[:, t % frames])
    np.testing.assert_array_equal(out['keypoint_score'],
                                  out['keypoint'][..., 0])


def test_zero_mode_pads_zeros():
    seq = _seq(5) + 1
    out = ReplayPad(clip_len=8, mode='zero')(dict(keypoint=seq))
    np.testing.assert_array_equal(out['keypoint'][:, :5], seq)
    assert not out['keypoint'][:, 5:].any()


def test_longer_sequences_are_shortened_not_refused():
    seq = _seq(100)
    test = ReplayPad(clip_len=30, test_mode=True)
    first = test(dict(keypoint=seq))
    again = test(dict(keypoint=seq))
    assert first['keypoint'].shape == (2, 30, 25, 3)
    np.testing.assert_array_equal(first['frame_inds'], again['frame_inds'])
    inds = first['frame_inds']
    assert (np.diff(inds) > 0).all() and inds[0] < 4 and inds[-1] > 95
    np.random.seed(0)  # only to make this test's draws repeatable
    train = ReplayPad(clip_len=30)
    draws = {tuple(train(dict(keypoint=seq))['frame_inds'])
             for _ in range(5)}
    assert len(draws) > 1  # random within each segment
    bounds = np.arange(31) * 100 // 30
    for draw in draws:
        assert ((np.array(draw) >= bounds[:-1]) &
                (np.array(draw) < bounds[1:])).all()
    crop = ReplayPad(clip_len=30, longer='crop', test_mode=True)(
        dict(keypoint=seq))
    np.testing.assert_array_equal(crop['frame_inds'], np.arange(35, 65))


def test_bad_arguments():
    with pytest.raises(ValueError, match='mode'):
        ReplayPad(mode='loop')
    with pytest.raises(ValueError, match='no frames'):
        ReplayPad(clip_len=4)(dict(keypoint=np.zeros((1, 0, 25, 3))))
