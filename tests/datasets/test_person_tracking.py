"""Tracking of unordered detections and the top-M choice of persons."""
import numpy as np
import pytest

from lsta_mm.datasets.person_tracking import select_persons, track_persons


def _person(x, frames, num_node=5):
    """(T, V, 2) joints of a body at column ``x`` walking right."""
    joints = np.stack([np.zeros(num_node), np.arange(num_node) * 10.], 1)
    return np.stack([joints + [x + 2 * t, 0] for t in range(frames)])


@pytest.mark.parametrize('use_bbox', [True, False])
def test_a_person_lost_for_a_few_frames_keeps_its_track(use_bbox):
    left, right = _person(0, 12), _person(100, 12)
    frames = []
    for t in range(12):
        people = [right[t]] if 4 <= t < 7 else [right[t], left[t]]
        if t % 2:
            people = people[::-1]
        frames.append([(p,
                        np.ones(5), np.r_[p.min(0) - 5,
                                          p.max(0) + 5] if use_bbox else None)
                       for p in people])
    keypoint, score = track_persons(frames, max_gap=3)
    assert keypoint.shape == (2, 12, 5, 2)
    right_track = int(keypoint[1, 0, 0, 0] == 100)
    np.testing.assert_array_equal(keypoint[right_track], right)
    left_seen = score[1 - right_track].sum(-1) > 0
    assert left_seen.tolist() == [t not in (4, 5, 6) for t in range(12)]


def test_a_person_lost_too_long_starts_a_new_track():
    person = _person(0, 10)
    frames = [[(person[t], np.ones(5), None)] if t < 3 or t > 7 else []
              for t in range(10)]
    keypoint, _ = track_persons(frames, max_gap=2)
    assert keypoint.shape[0] == 2


def test_select_persons_by_score_and_activity():
    keypoint = np.zeros((3, 8, 5, 2), np.float32)
    keypoint[0] = _person(0, 8)  # seen throughout, walks
    keypoint[1, :2] = _person(50, 2) * 3  # seen briefly, moves a lot
    score = np.any(keypoint != 0, -1).astype(np.float32)
    kept, kept_score = select_persons(keypoint, score, 2, 2, 'score')
    assert kept.shape[0] == 2  # the never-seen person 2 is dropped
    np.testing.assert_array_equal(kept[0], keypoint[0])
    kept, _ = select_persons(keypoint, score, 1, 2, 'activity')
    np.testing.assert_array_equal(kept[0], keypoint[1])
