"""Persons across frames: tracking of unordered detections, top-M choice.

Pose estimators (mmpose's inferencer, OpenPose) list the persons of each
frame in an order of their own, which changes from frame to frame. An
annotation's ``keypoint`` ``(M, T, V, C)`` needs person ``m`` to be the same
body in every frame, so the detections are linked into tracks: each frame's
detections are matched to the tracks seen in the last ``max_gap`` frames by
the distance between box centres, measured in box diagonals (the boxes the
estimator gives, else the box around the detected joints), with an optimal
one-to-one assignment (``scipy.optimize.linear_sum_assignment``).
"""
from typing import List, Optional, Sequence, Tuple

import numpy as np
from scipy.optimize import linear_sum_assignment

from .ntu_raw import person_activity

__all__ = ['Detection', 'RANKINGS', 'select_persons', 'track_persons']

#: A detection of one person in one frame: ``keypoint`` ``(V, C)``,
#: ``score`` ``(V,)`` and the estimator's box ``(x1, y1, x2, y2)`` or None.
Detection = Tuple[np.ndarray, np.ndarray, Optional[np.ndarray]]
#: How :func:`select_persons` ranks persons.
RANKINGS = ('score', 'activity')
_UNMATCHED = 1e6  # cost of a forbidden pair in the assignment


def _boxes(detections: Sequence[Detection], use_bbox: bool) -> np.ndarray:
    """``(N, 4)`` boxes: the estimator's, or around the detected joints."""
    boxes = np.zeros((len(detections), 4))
    for i, (keypoint, score, bbox) in enumerate(detections):
        if use_bbox:
            boxes[i] = bbox
            continue
        present = keypoint[score > 0, :2]
        if not len(present):
            present = keypoint[:, :2]
        boxes[i, :2] = present.min(0)
        boxes[i, 2:] = present.max(0)
    return boxes


def _centre_distance(tracks: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    """Distance of box centres in mean box diagonals, ``(K, N)``."""
    centre_a = (tracks[:, None, :2] + tracks[:, None, 2:]) / 2
    centre_b = (boxes[None, :, :2] + boxes[None, :, 2:]) / 2
    diag_a = np.linalg.norm(tracks[:, 2:] - tracks[:, :2], axis=1)
    diag_b = np.linalg.norm(boxes[:, 2:] - boxes[:, :2], axis=1)
    scale = np.maximum((diag_a[:, None] + diag_b[None]) / 2, 1e-6)
    return np.linalg.norm(centre_a - centre_b, axis=2) / scale


def track_persons(frames: Sequence[Sequence[Detection]],
                  max_gap: int = 10,
                  max_distance: float = 1.0) -> Tuple[np.ndarray, np.ndarray]:
    """Link per-frame detections into persons.

    Args:
        frames (Sequence[Sequence[Detection]]): The detections of each of T
            frames, in any order.
        max_gap (int): A track not seen for more frames than this ends.
            Defaults to 10.
        max_distance (float): Largest centre distance, in box diagonals,
            at which a detection continues a track. Defaults to 1.0.

    Returns:
        tuple: ``keypoint`` ``(P, T, V, C)`` and ``score`` ``(P, T, V)``,
        float32, one row per track in order of first appearance; zeros
        where a person was not seen.
    """
    detections = [d for frame in frames for d in frame]
    if not detections:
        return np.zeros((0, len(frames), 0, 0), np.float32), np.zeros(
            (0, len(frames), 0), np.float32)
    num_node, channels = detections[0][0].shape
    use_bbox = all(d[2] is not None for d in detections)
    track_box = []  # last box of each track
    track_last = []  # last frame of each track
    track_of = []  # (frame, detection index, track) of every detection
    for t, frame in enumerate(frames):
        boxes = _boxes(frame, use_bbox)
        live = [
            k for k, last in enumerate(track_last) if t - last - 1 <= max_gap
        ]
        assigned = {}
        if live and len(frame):
            cost = _centre_distance(
                np.array([track_box[k] for k in live]), boxes)
            cost = np.where(cost <= max_distance, cost, _UNMATCHED)
            rows, cols = linear_sum_assignment(cost)
            assigned = {
                c: live[r]
                for r, c in zip(rows, cols) if cost[r, c] < _UNMATCHED
            }
        for i in range(len(frame)):
            k = assigned.get(i)
            if k is None:  # a person not seen before (or lost too long)
                k = len(track_box)
                track_box.append(None)
                track_last.append(t)
            track_box[k] = boxes[i]
            track_last[k] = t
            track_of.append((t, i, k))
    keypoint = np.zeros((len(track_box), len(frames), num_node, channels),
                        np.float32)
    score = np.zeros(keypoint.shape[:3], np.float32)
    for t, i, k in track_of:
        keypoint[k, t] = frames[t][i][0]
        score[k, t] = frames[t][i][1]
    return keypoint, score


def select_persons(keypoint: np.ndarray,
                   score: np.ndarray,
                   max_person: int,
                   coord_dims: int,
                   rank_by: str = 'score') -> Tuple[np.ndarray, np.ndarray]:
    """Keep the ``max_person`` best persons, best first.

    Args:
        keypoint (np.ndarray): ``(P, T, V, C)``.
        score (np.ndarray): ``(P, T, V)`` detection scores (1 where the
            data has none and the joint is present).
        max_person (int): Persons kept.
        coord_dims (int): Coordinate channels of ``keypoint``.
        rank_by (str): ``'score'`` (summed detection score over the clip:
            long and confidently seen persons first) or ``'activity'`` (the
            most moving persons first, NTU's criterion).

    Returns:
        tuple: ``keypoint`` ``(M, T, V, C)`` and ``score`` ``(M, T, V)``.
    """
    if rank_by not in RANKINGS:
        raise ValueError(f'rank_by must be one of {RANKINGS}, got '
                         f'{rank_by!r}')
    if rank_by == 'score':
        merit = score.sum((1, 2))
    else:
        merit = person_activity(keypoint, coord_dims)
    seen = score.sum((1, 2)) > 0
    order: List[int] = [
        int(p) for p in np.argsort(-merit, kind='stable') if seen[p]
    ]
    keep = order[:max_person]
    return keypoint[keep], score[keep]
