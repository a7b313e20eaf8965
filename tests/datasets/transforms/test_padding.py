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


def test_edge_mode_holds_the_last_frame():
    seq = _seq(5) + 1
    out = ReplayPad(clip_len=8, mode='edge')(dict(keypoint=seq))
    np.testing.assert_array_equal(out['frame_inds'], [0, 1, 2, 3, 4, 4, 4, 4])
    np.testing.assert_array_equal(out['keypoint'][:, :5], seq)
    for t in range(5, 8):
        np.testing.assert_array_equal(out['keypoint'][:, t], seq[:, 4])
    # at one rate: every third frame, then the last kept one held
    spaced = ReplayPad(
        clip_len=5, mode='edge', test_mode=True, frame_interval=3)(
            dict(keypoint=_seq(7)))
    np.testing.assert_array_equal(spaced['frame_inds'], [1, 4, 4, 4, 4])
    with pytest.raises(ValueError, match='edge'):
        ReplayPad(clip_len=8, mode='hold')


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


def test_frame_interval_keeps_one_time_scale():
    """Every k-th frame, then crop or replay: the spacing never changes."""
    # 100 frames at stride 3 from phase 1: 33 kept, centred crop of 20
    out = ReplayPad(
        clip_len=20, longer='crop', test_mode=True, frame_interval=3)(
            dict(keypoint=_seq(100)))
    inds = out['frame_inds']
    assert out['keypoint'].shape == (2, 20, 25, 3)
    assert (np.diff(inds) == 3).all()
    assert inds[0] == 1 + 3 * 6  # phase (3 - 1) // 2, (33 - 20) // 2 skipped
    np.testing.assert_array_equal(out['keypoint'], _seq(100)[:, inds])
    # a short sequence is replayed at the same spacing, not stretched
    short = ReplayPad(clip_len=8, test_mode=True, frame_interval=3)(
        dict(keypoint=_seq(10)))
    np.testing.assert_array_equal(short['frame_inds'],
                                  [1, 4, 7, 1, 4, 7, 1, 4])
    # zero padding marks the missing frames with -1 and zeros
    zero = ReplayPad(
        clip_len=5, mode='zero', test_mode=True, frame_interval=3)(
            dict(keypoint=_seq(7) + 1))
    np.testing.assert_array_equal(zero['frame_inds'], [1, 4, -1, -1, -1])
    assert not zero['keypoint'][:, 2:].any()
    # one frame only: the phase falls back onto it
    single = ReplayPad(clip_len=3, test_mode=True, frame_interval=4)(
        dict(keypoint=_seq(1)))
    np.testing.assert_array_equal(single['frame_inds'], [0, 0, 0])
    # training draws the phase and the crop, the spacing stays 3
    np.random.seed(0)  # only to make this test's draws repeatable
    train = ReplayPad(clip_len=20, longer='crop', frame_interval=3)
    draws = [train(dict(keypoint=_seq(100)))['frame_inds'] for _ in range(8)]
    assert len({tuple(d) for d in draws}) > 1
    assert len({d[0] % 3 for d in draws}) > 1  # more than one phase
    for draw in draws:
        assert (np.diff(draw) == 3).all() and draw[-1] < 100


def test_uniform_stretches_what_frame_interval_keeps():
    """The reason for frame_interval: uniform shortening loses the rate."""
    slow, fast = _seq(150), _seq(75)
    uniform = ReplayPad(clip_len=25, test_mode=True)
    spacing = [np.diff(uniform(dict(keypoint=s))['frame_inds']).mean()
               for s in (slow, fast)]
    assert spacing[0] == pytest.approx(2 * spacing[1], rel=0.1)
    kept = ReplayPad(clip_len=25, longer='crop', test_mode=True,
                     frame_interval=3)
    for seq in (slow, fast):
        assert (np.diff(kept(dict(keypoint=seq))['frame_inds'])[:20] ==
                3).all()


def test_bad_arguments():
    with pytest.raises(ValueError, match='mode'):
        ReplayPad(mode='loop')
    for stride in (0, 1.5, -2):
        with pytest.raises(ValueError, match='frame_interval'):
            ReplayPad(frame_interval=stride)
    with pytest.raises(ValueError, match='no frames'):
        ReplayPad(clip_len=4)(dict(keypoint=np.zeros((1, 0, 25, 3))))


@pytest.mark.parametrize('frames,longer,mode,distinct', [
    (120, 'crop', 'replay', 4),  # crop windows spread over the sequence
    (120, 'uniform', 'replay', 3),  # 3-frame segments: three offsets
    (30, 'uniform', 'replay', 4),  # replay starts spread over the sequence
    (30, 'uniform', 'zero', 1),  # zero padding: nothing to vary
])
def test_test_clips_spread_over_the_sequence(frames, longer, mode,
                                             distinct):
    seq = _seq(frames)
    one = ReplayPad(clip_len=40, longer=longer, mode=mode,
                    test_mode=True)(dict(keypoint=seq.copy()))
    out = ReplayPad(clip_len=40, longer=longer, mode=mode, test_mode=True,
                    num_clips=4)(dict(keypoint=seq.copy()))
    assert out['num_clips'] == 4 and one['num_clips'] == 1
    assert out['keypoint'].shape == (2, 4 * 40, 25, 3)
    clips = out['frame_inds'].reshape(4, 40)
    assert len({tuple(c) for c in clips}) == distinct
    # every clip is a valid clip of the sequence, in order of time
    for clip in clips:
        np.testing.assert_array_equal(
            out['keypoint'][:, 40 * list(clips.tolist()).index(
                clip.tolist()):][:, :40],
            np.where(clip[None, :, None, None] < 0, 0,
                     seq[:, np.maximum(clip, 0)]))
    # one clip is the single-clip rule
    np.testing.assert_array_equal(
        ReplayPad(clip_len=40, longer=longer, mode=mode, test_mode=True,
                  num_clips=1)(dict(keypoint=seq.copy()))['frame_inds'],
        one['frame_inds'])


def test_several_clips_are_for_testing_only():
    with pytest.raises(ValueError, match='num_clips=3 needs test_mode'):
        ReplayPad(num_clips=3)
    with pytest.raises(ValueError, match='num_clips'):
        ReplayPad(num_clips=0, test_mode=True)
