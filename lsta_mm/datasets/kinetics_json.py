"""Reader of the Kinetics-Skeleton JSON release (OpenPose, 18 joints).

One file per video, ``<video_id>.json``::

    {"data": [{"frame_index": 1,
               "skeleton": [{"pose": [x0, y0, x1, y1, ...],   # 36 values
                             "score": [s0, s1, ...]}, ...]},  # 18 values
              ...],
     "label": "<class name>", "label_index": <int>}

Coordinates are normalised to [0, 1] by the image size; an undetected joint
has score 0. Persons are ranked per frame by their summed joint score and
the best ``max_person`` are kept, the customary selection for this dataset.
"""
import json
import os.path as osp
from typing import Dict, Optional

import numpy as np

__all__ = [
    'KINETICS_NUM_JOINTS', 'KineticsFormatError', 'dump_kinetics_json',
    'load_kinetics_json'
]

KINETICS_NUM_JOINTS = 18


class KineticsFormatError(ValueError):
    """A file does not follow the Kinetics-Skeleton JSON format."""


def load_kinetics_json(path: str,
                       max_person: int = 2,
                       label: Optional[int] = None) -> Dict:
    """Read one Kinetics-Skeleton JSON file.

    Args:
        path (str): The ``.json`` file.
        max_person (int): Persons kept per frame (highest total score).
            Defaults to 2.
        label (int, optional): Label to use instead of the file's
            ``label_index``.

    Returns:
        dict: ``frame_dir`` (video id), ``label``, ``keypoint``
        ``(M, T, 18, 2)`` float32 in [0, 1], ``keypoint_score``
        ``(M, T, 18)`` float32, ``total_frames`` T (frames from the first to
        the last ``frame_index``), ``img_shape`` ``(1, 1)``.

    Raises:
        KineticsFormatError: malformed file.
    """
    with open(path, 'rb') as f:
        try:
            video = json.load(f)
        except ValueError as err:
            raise KineticsFormatError(f'{path}: not valid JSON ({err})') \
                from None
    name = osp.splitext(osp.basename(path))[0]
    try:
        frames = video['data']
        if label is None:
            label = int(video['label_index'])
        indices = [int(frame['frame_index']) for frame in frames]
        first = min(indices) if indices else 0
        num_frames = max(indices) - first + 1 if indices else 0
        person, frame_of, poses, scores = [], [], [], []
        for index, frame in zip(indices, frames):
            for m, skeleton in enumerate(frame['skeleton']):
                person.append(m)
                frame_of.append(index - first)
                poses.append(skeleton['pose'])
                scores.append(skeleton['score'])
        width = max(person) + 1 if person else 1
        data = np.zeros((width, num_frames, KINETICS_NUM_JOINTS, 3),
                        dtype=np.float32)
        if person:  # one conversion for all persons and frames
            data[person, frame_of, :, :2] = np.asarray(
                poses, dtype=np.float32).reshape(-1, KINETICS_NUM_JOINTS, 2)
            data[person, frame_of, :, 2] = np.asarray(
                scores, dtype=np.float32).reshape(-1, KINETICS_NUM_JOINTS)
    except (KeyError, TypeError, ValueError) as err:
        raise KineticsFormatError(
            f'{path}: not in the Kinetics-Skeleton JSON format (need '
            f'`data` frames with `frame_index` and `skeleton` lists of '
            f'`pose` (36 values) and `score` (18 values), and '
            f'`label_index`): {type(err).__name__}: {err}') from None
    # rank persons per frame by total score, best first
    order = np.argsort(-data[..., 2].sum(-1), axis=0, kind='stable')  # (P, T)
    data = np.take_along_axis(data, order[:, :, None, None], axis=0)
    data = data[:max_person]
    keep = data[..., 2].sum((1, 2)) > 0  # drop persons never detected
    if keep.any():
        data = data[keep]
    else:
        data = data[:0]
    return dict(
        frame_dir=name,
        label=int(label),
        keypoint=np.ascontiguousarray(data[..., :2]),
        keypoint_score=np.ascontiguousarray(data[..., 2]),
        total_frames=num_frames,
        img_shape=(1, 1),
        original_shape=(1, 1))


def dump_kinetics_json(path: str, keypoint: np.ndarray, score: np.ndarray,
                       label_index: int, label: str = 'action') -> None:
    """Write ``(P, T, 18, 2)`` poses and ``(P, T, 18)`` scores as a release
    JSON file (persons with zero total score in a frame are left out).
    Used to test the reader and to time the converter."""
    frames = []
    for t in range(keypoint.shape[1]):
        people = [
            dict(
                pose=[round(v, 3) for v in keypoint[m, t].ravel().tolist()],
                score=[round(v, 3) for v in score[m, t].tolist()])
            for m in range(keypoint.shape[0]) if score[m, t].sum() > 0
        ]
        frames.append(dict(frame_index=t + 1, skeleton=people))
    with open(path, 'w') as f:
        json.dump(dict(data=frames, label=label, label_index=label_index), f)
