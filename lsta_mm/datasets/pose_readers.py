"""Readers of what pose estimators write, one clip per file.

Each reader returns either per-frame detections in the estimator's order
(:data:`~lsta_mm.datasets.person_tracking.Detection` lists, to be tracked)
or persons already in order (``(M, T, V, C)`` keypoints and ``(M, T, V)``
scores). Every problem raises :class:`ConversionError` with one line that
starts with the file name.

Formats (``coord_dims`` is 2 for image keypoints, 3 for 3-D joints):

* ``mmpose``: the JSON of mmpose's ``MMPoseInferencer`` (``pred_out_dir``):
  a list of frames ``{"frame_id": i, "instances": [{"keypoints": [[x, y
  (, z)], ...], "keypoint_scores": [...], "bbox": [[x1, y1, x2, y2]]},
  ...]}``, or the same frames under ``"instance_info"`` (mmpose's
  ``topdown_demo_with_mmdet.py``). 2-D and 3-D (``pose3d``) alike.
* ``openpose``: the Kinetics-Skeleton JSON of OpenPose poses, read by
  :func:`~lsta_mm.datasets.kinetics_json.load_kinetics_json`; or a folder
  of OpenPose's own per-frame files (``--write_json``:
  ``<video>_<frame number>_keypoints.json`` with ``people`` and their
  ``pose_keypoints_2d`` ``[x0, y0, c0, x1, ...]``; any OpenPose model, the
  layout gives the joint count).
* ``npy`` / ``npz``: an array ``(T, V, C)`` or ``(M, T, V, C)`` (``npz``:
  key ``keypoint``, optional ``keypoint_score`` ``(M, T, V)``); C is
  ``coord_dims``, or ``coord_dims + 1`` with the score last. Persons are
  taken as already tracked.
* ``csv``: one row per frame and person, header ``frame[,person],x0,y0[,z0]
  [,score0],x1,...``; with a ``person`` column persons are tracked already,
  without it the rows of a frame are detections in any order.
"""
import csv
import json
import os
import os.path as osp
import re
from typing import Dict, List, Tuple

import numpy as np

from .kinetics_json import (KINETICS_NUM_JOINTS, KineticsFormatError,
                            load_kinetics_json)
from .person_tracking import Detection

__all__ = [
    'ConversionError', 'FORMATS', 'detect_format', 'read_clip',
    'read_mmpose_json'
]

#: Input formats and their file extensions.
FORMATS: Dict[str, Tuple[str, ...]] = {
    'mmpose': ('.json', ),
    'openpose': ('.json', ),
    'npy': ('.npy', '.npz'),
    'csv': ('.csv', ),
}


class ConversionError(ValueError):
    """A clip cannot be converted; the message starts with its file."""


def _check_finite(path: str, frame: int, values: np.ndarray,
                  what: str) -> None:
    if not np.isfinite(values).all():
        raise ConversionError(f'{path}: frame {frame} has NaN or inf '
                              f'{what}')


def _check_joint_count(where: str, count: int, num_node: int) -> None:
    """The one message for a file whose joints do not fit the layout."""
    if count != num_node:
        raise ConversionError(
            f'{where} has {count} joints but the layout has {num_node} '
            f'(a file of another layout? pass --layout)')


def _detection(path: str, frame: int, index: int, keypoint, score, bbox,
               num_node: int, coord_dims: int) -> Detection:
    """One checked detection of a JSON/CSV file."""
    where = f'{path}: frame {frame}, person {index}'
    keypoint = np.asarray(keypoint, dtype=np.float64)
    if keypoint.ndim != 2:
        raise ConversionError(f'{where}: `keypoints` is not a list of '
                              f'joints (shape {keypoint.shape})')
    _check_joint_count(where, keypoint.shape[0], num_node)
    if keypoint.shape[1] != coord_dims:
        raise ConversionError(
            f'{where} has {keypoint.shape[1]} coordinates per joint but the '
            f'layout has {coord_dims} (2-D and 3-D mixed up? a 3-D layout '
            f'needs coord_dims=3)')
    score = np.ones(num_node) if score is None else np.asarray(
        score, dtype=np.float64).reshape(-1)
    if score.shape != (num_node, ):
        raise ConversionError(f'{where} has {score.size} scores for '
                              f'{num_node} joints')
    _check_finite(path, frame, keypoint, 'coordinates')
    _check_finite(path, frame, score, 'scores')
    if bbox is not None:
        bbox = np.asarray(bbox, dtype=np.float64).reshape(-1)[:4]
        if bbox.size != 4 or not np.isfinite(bbox).all():
            bbox = None  # track by the joints instead
    return keypoint, score, bbox


def read_mmpose_json(path: str, num_node: int,
                     coord_dims: int) -> List[List[Detection]]:
    """Per-frame detections of an mmpose inferencer JSON file."""
    data = _load_json(path)
    if isinstance(data, dict) and 'instance_info' in data:
        data = data['instance_info']
    if not isinstance(data, list) or not all(
            isinstance(f, dict) and 'instances' in f for f in data):
        raise ConversionError(
            f'{path}: not mmpose inferencer output (expected a list of '
            f'frames with `instances`, or a dict with `instance_info`)')
    ids = [f.get('frame_id', i) for i, f in enumerate(data)]
    try:
        ids = [int(i) for i in ids]
    except (TypeError, ValueError):
        raise ConversionError(f'{path}: `frame_id` values must be '
                              f'integers') from None
    first = min(ids) if ids else 0
    frames: List[List[Detection]] = [
        [] for _ in range(max(ids) - first + 1 if ids else 0)
    ]
    for frame_id, frame in zip(ids, data):
        for index, instance in enumerate(frame['instances']):
            if not isinstance(instance, dict) or 'keypoints' not in instance:
                raise ConversionError(f'{path}: frame {frame_id}, person '
                                      f'{index} has no `keypoints`')
            frames[frame_id - first].append(
                _detection(path, frame_id, index, instance['keypoints'],
                           instance.get('keypoint_scores'),
                           instance.get('bbox'), num_node, coord_dims))
    return frames


#: OpenPose's per-frame file name: ``<video>_<frame number>_keypoints.json``.
OPENPOSE_FRAME = re.compile(r'_(\d+)_keypoints\.json$')


def _read_openpose_frames(folder: str, num_node: int,
                          coord_dims: int) -> List[List[Detection]]:
    """Per-frame detections of a folder of OpenPose ``--write_json``
    files (frames numbered by their file names)."""
    if coord_dims != 2:
        raise ConversionError(f'{folder}: OpenPose keypoints are 2-D but '
                              f'the layout has {coord_dims} coordinates')
    numbered = {}
    for name in os.listdir(folder):
        match = OPENPOSE_FRAME.search(name)
        if match:
            numbered[int(match.group(1))] = osp.join(folder, name)
    if not numbered:
        raise ConversionError(f'{folder}: empty clip: no OpenPose '
                              f'*_<frame>_keypoints.json files')
    first = min(numbered)
    frames: List[List[Detection]] = [[]
                                     for _ in range(max(numbered) - first + 1)]
    for number, path in sorted(numbered.items()):
        data = _load_json(path)
        if not isinstance(data, dict) or not isinstance(
                data.get('people'), list):
            raise ConversionError(f'{path}: not an OpenPose frame (no '
                                  f'`people` list)')
        for index, person in enumerate(data['people']):
            flat = np.asarray(
                person.get('pose_keypoints_2d', []), dtype=np.float64)
            if flat.size % 3:
                raise ConversionError(
                    f'{path}: person {index}: pose_keypoints_2d has '
                    f'{flat.size} values, not (x, y, confidence) triples')
            joints = flat.reshape(-1, 3)
            frames[number - first].append(
                _detection(path, number, index, joints[:, :2], joints[:, 2],
                           None, num_node, coord_dims))
    return frames


def _read_openpose_json(path: str, num_node: int,
                        coord_dims: int) -> List[List[Detection]]:
    """Per-frame detections of a Kinetics-Skeleton (OpenPose) JSON file,
    or of a folder of OpenPose's per-frame files."""
    if osp.isdir(path):
        return _read_openpose_frames(path, num_node, coord_dims)
    if num_node != KINETICS_NUM_JOINTS or coord_dims != 2:
        raise ConversionError(
            f'{path}: OpenPose JSON has {KINETICS_NUM_JOINTS} 2-D joints but '
            f'the layout has {num_node} joints with {coord_dims} '
            f'coordinates (use --layout openpose)')
    try:
        sample = load_kinetics_json(
            path, max_person=np.iinfo(np.int32).max, label=-1)
    except KineticsFormatError as err:
        raise ConversionError(str(err)) from None
    keypoint, score = sample['keypoint'], sample['keypoint_score']
    frames = []
    for t in range(sample['total_frames']):
        frame = []
        for m in range(keypoint.shape[0]):
            if score[m, t].sum() > 0:
                frame.append(
                    _detection(path, t, m, keypoint[m, t], score[m, t], None,
                               num_node, coord_dims))
        frames.append(frame)
    return frames


def _read_array(path: str, num_node: int,
                coord_dims: int) -> Tuple[np.ndarray, np.ndarray]:
    """Ordered persons of a ``.npy`` / ``.npz`` file."""
    try:
        if path.endswith('.npz'):
            with np.load(path, allow_pickle=False) as archive:
                if 'keypoint' not in archive:
                    raise ConversionError(
                        f'{path}: no `keypoint` array (found '
                        f'{sorted(archive.files)})')
                keypoint = archive['keypoint']
                score = archive['keypoint_score'] \
                    if 'keypoint_score' in archive else None
        else:
            keypoint, score = np.load(path, allow_pickle=False), None
    except (OSError, ValueError) as err:
        if isinstance(err, ConversionError):
            raise
        raise ConversionError(f'{path}: not a numpy array file '
                              f'({err})') from None
    keypoint = np.asarray(keypoint, dtype=np.float64)
    if keypoint.ndim == 3:
        keypoint = keypoint[None]
        score = None if score is None else np.asarray(score)[None]
    if keypoint.ndim != 4:
        raise ConversionError(f'{path}: array of shape {keypoint.shape}; '
                              f'expected (T, V, C) or (M, T, V, C)')
    _check_joint_count(f'{path} (shape {keypoint.shape})', keypoint.shape[2],
                       num_node)
    channels = keypoint.shape[3]
    if channels == coord_dims + 1 and score is None:
        keypoint, score = keypoint[..., :coord_dims], keypoint[..., -1]
    elif channels != coord_dims:
        raise ConversionError(
            f'{path}: {channels} channels per joint; the layout has '
            f'{coord_dims} coordinates (optionally followed by a score)')
    if score is None:
        score = np.any(keypoint != 0, axis=-1).astype(np.float64)
    score = np.asarray(score, dtype=np.float64)
    if score.shape != keypoint.shape[:3]:
        raise ConversionError(f'{path}: `keypoint_score` shape {score.shape}'
                              f' does not match (M, T, V) = '
                              f'{keypoint.shape[:3]}')
    bad = np.argwhere(~np.isfinite(keypoint).all(-1) | ~np.isfinite(score))
    if len(bad):
        raise ConversionError(f'{path}: frame {bad[0][1]} has NaN or inf '
                              f'values (person {bad[0][0]}, joint '
                              f'{bad[0][2]})')
    return keypoint.astype(np.float32), score.astype(np.float32)


def _read_csv(path: str, num_node: int, coord_dims: int):
    """Detections (no ``person`` column) or ordered persons of a CSV."""
    axes = 'xyz'[:coord_dims]
    with open(path, newline='') as handle:
        rows = list(csv.reader(handle))
    if not rows:
        raise ConversionError(f'{path}: empty clip: the file is empty')
    header = [h.strip() for h in rows[0]]
    joints = sum(1 for h in header if h.startswith('x') and h[1:].isdigit())
    if joints != num_node:
        raise ConversionError(
            f'{path}: {joints} joints (columns x0..x{joints - 1}) but the '
            f'layout has {num_node} (a file of another layout? pass '
            f'--layout)')
    try:
        frame_col = header.index('frame')
        coord_cols = [[header.index(f'{a}{j}') for a in axes]
                      for j in range(num_node)]
    except ValueError as err:
        raise ConversionError(
            f'{path}: header lacks a column ({err}); expected '
            f'frame[,person],' + ','.join(f'{a}0' for a in axes) +
            '[,score0],...') from None
    person_col = header.index('person') if 'person' in header else None
    score_cols = [
        header.index(f'score{j}') if f'score{j}' in header else None
        for j in range(num_node)
    ]
    records = []
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        try:
            frame = int(row[frame_col])
            person = int(row[person_col]) if person_col is not None else None
            keypoint = [[float(row[c]) for c in cols] for cols in coord_cols]
            score = [1.0 if c is None else float(row[c]) for c in score_cols]
        except (IndexError, ValueError) as err:
            raise ConversionError(f'{path}: line {line} is not a row of '
                                  f'numbers ({err})') from None
        records.append((frame, person, keypoint, score))
    if not records:
        raise ConversionError(f'{path}: empty clip: no rows')
    first = min(r[0] for r in records)
    num_frames = max(r[0] for r in records) - first + 1
    frames: List[List[Detection]] = [[] for _ in range(num_frames)]
    for frame, person, keypoint, score in records:
        frames[frame - first].append(
            _detection(path, frame, len(frames[frame - first]), keypoint,
                       score, None, num_node, coord_dims))
    if person_col is None:
        return frames
    ids = sorted({r[1] for r in records})
    keypoint = np.zeros((len(ids), num_frames, num_node, coord_dims),
                        np.float32)
    score = np.zeros(keypoint.shape[:3], np.float32)
    for frame, person, kp, sc in records:
        keypoint[ids.index(person), frame - first] = kp
        score[ids.index(person), frame - first] = sc
    return keypoint, score


def _load_json(path: str):
    try:
        with open(path, 'rb') as handle:
            return json.load(handle)
    except ValueError as err:
        raise ConversionError(f'{path}: not valid JSON ({err})') from None


def detect_format(path: str) -> str:
    """The format of a file from its extension (and, for JSON, its top
    level: Kinetics-Skeleton files are dicts with ``data``); a folder is a
    clip of OpenPose per-frame files."""
    if osp.isdir(path):
        return 'openpose'  # a folder of per-frame files
    ext = osp.splitext(path)[1].lower()
    if ext == '.json':
        data = _load_json(path)
        return 'openpose' if isinstance(data, dict) and 'data' in data \
            else 'mmpose'
    for name, extensions in FORMATS.items():
        if ext in extensions:
            return name
    raise ConversionError(f'{path}: unknown file type {ext!r}; expected one '
                          f'of .json, .npy, .npz, .csv')


def read_clip(path: str, fmt: str, num_node: int, coord_dims: int):
    """Read one clip.

    Returns:
        list | tuple: Per-frame detections to track, or ordered persons
        ``(keypoint (M, T, V, C), score (M, T, V))``.
    """
    if fmt == 'auto':
        fmt = detect_format(path)
    readers = dict(
        mmpose=read_mmpose_json,
        openpose=_read_openpose_json,
        npy=_read_array,
        csv=_read_csv)
    if fmt not in readers:
        raise ValueError(f'unknown format {fmt!r}; expected auto or one of '
                         f'{sorted(readers)}')
    return readers[fmt](path, num_node, coord_dims)
