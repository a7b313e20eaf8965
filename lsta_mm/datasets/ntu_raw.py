"""Reader (and writer) of NTU RGB+D's raw ``.skeleton`` text files.

The official format, per file::

    <number of frames>
    per frame:  <number of bodies>
      per body: bodyID clippedEdges handLeftConfidence handLeftState
                handRightConfidence handRightState isRestricted leanX leanY
                trackingState
                <number of joints (25)>
        per joint: x y z depthX depthY colorX colorY orientationW
                   orientationX orientationY orientationZ trackingState

:func:`load_ntu_skeleton` reads the whole file at once, walks the frame and
body header lines (a short Python loop over frames x bodies), gathers the
joint lines with one index and converts only their x, y, z. Bodies are
matched across frames by ``bodyID`` (not by their position in a frame),
noisy bodies are removed with the usual NTU denoising rules (too few
frames; skeletons wider than tall in most frames), and the most active
bodies are kept.
"""
import os
import os.path as osp
import re
from operator import itemgetter
from typing import Dict, List, Optional, Sequence

import numpy as np

__all__ = [
    'NTU_NUM_JOINTS', 'NTUParseError', 'dump_ntu_skeleton',
    'load_ntu_skeleton', 'parse_ntu_name', 'person_activity'
]

NTU_NUM_JOINTS = 25
_BODY_FIELDS = 10  # values on a body's header line
_JOINT_FIELDS = 12  # values on a joint line
#: Denoising thresholds of the common NTU preprocessing: a body seen in at
#: most this many frames is noise ...
NOISE_LENGTH = 11
#: ... and so is a body whose x extent exceeds this fraction of its y extent
#: (people stand upright) in more than NOISE_SPREAD_FRAMES of its frames.
NOISE_SPREAD_RATIO = 0.8
NOISE_SPREAD_FRAMES = 0.69754

_NAME = re.compile(r'S(\d{3})C(\d{3})P(\d{3})R(\d{3})A(\d{3})')


class NTUParseError(ValueError):
    """A ``.skeleton`` file does not follow the official format."""


def parse_ntu_name(name: str) -> Dict[str, int]:
    """Setup, camera, subject, replication and action of ``SsssCcccPppp...``.

    Raises:
        NTUParseError: the name does not contain the NTU pattern.
    """
    match = _NAME.search(osp.basename(name))
    if match is None:
        raise NTUParseError(
            f'{name}: file name does not follow the NTU pattern '
            f'SsssCcccPpppRrrrAaaa (e.g. S001C002P003R002A013.skeleton)')
    setup, camera, subject, replication, action = map(int, match.groups())
    return dict(
        setup=setup,
        camera=camera,
        subject=subject,
        replication=replication,
        action=action)


def person_activity(keypoint: np.ndarray, coord_dims: int) -> np.ndarray:
    """Activity per person ``(M,)``: summed std of present coordinates.

    The usual "most active body" criterion of NTU preprocessing: persons
    with larger motion over the frames they appear in rank first.
    """
    coords = keypoint[..., :coord_dims].astype(np.float64)  # (M, T, V, cd)
    present = np.any(coords != 0, axis=(2, 3))  # (M, T)
    flat = coords.reshape(coords.shape[0], -1, coord_dims)  # (M, T*V, cd)
    mask = np.repeat(present, coords.shape[2], axis=1)[..., None]
    count = np.maximum(mask.sum(1), 1)  # (M, 1)
    mean = (flat * mask).sum(1) / count  # (M, cd)
    sd = np.sqrt((((flat - mean[:, None]) * mask)**2).sum(1) / count)
    return sd.sum(-1)


def _walk(lines: List[bytes], path: str):
    """Frame index, bodyID and first joint line of every body record."""
    try:
        num_frames = int(lines[0])
        pos = 1
        frames, ids, starts = [], [], []
        for frame in range(num_frames):
            num_bodies = int(lines[pos])
            pos += 1
            for _ in range(num_bodies):
                num_joints = int(lines[pos + 1])
                if num_joints != NTU_NUM_JOINTS:
                    raise NTUParseError(
                        f'{path}: frame {frame} has a body with {num_joints} '
                        f'joints; NTU RGB+D bodies have {NTU_NUM_JOINTS}')
                frames.append(frame)
                ids.append(lines[pos].split(None, 1)[0].decode())
                starts.append(pos + 2)
                pos += 2 + num_joints
        if pos > len(lines):
            raise IndexError
    except (IndexError, ValueError) as err:
        if isinstance(err, NTUParseError):
            raise
        raise NTUParseError(
            f'{path}: truncated or malformed .skeleton file (expected the '
            f'official NTU RGB+D text format)') from None
    return num_frames, frames, ids, starts


def _parse_xyz(lines: List[bytes], starts: List[int], path: str) -> np.ndarray:
    """x, y, z of the 25 joint lines after each start, ``(R, 25, 3)``."""
    if not starts:
        return np.empty((0, NTU_NUM_JOINTS, 3), dtype=np.float32)
    index = (np.asarray(starts)[:, None] +
             np.arange(NTU_NUM_JOINTS)[None]).ravel().tolist()
    joint_lines = itemgetter(*index)(lines)
    if len(index) == 1:
        joint_lines = (joint_lines, )
    tokens = []
    for line in joint_lines:
        tokens += line.split(None, 3)[:3]
    try:
        values = np.array(list(map(float, tokens)), dtype=np.float32)
        return values.reshape(len(starts), NTU_NUM_JOINTS, 3)
    except ValueError:
        raise NTUParseError(
            f'{path}: a joint line does not start with three numbers '
            f'(x y z); expected the official NTU RGB+D text format'
        ) from None


def _is_noise(xyz: np.ndarray) -> bool:
    """NTU denoising rules for one body's ``(T_b, V, 3)`` track."""
    if xyz.shape[0] <= NOISE_LENGTH:
        return True
    extent = xyz.max(1) - xyz.min(1)  # (T_b, 3)
    wide = extent[:, 0] > NOISE_SPREAD_RATIO * extent[:, 1]
    return wide.mean() > NOISE_SPREAD_FRAMES


def load_ntu_skeleton(path: str,
                      max_person: int = 2,
                      denoise: bool = True) -> Dict:
    """Read one NTU RGB+D ``.skeleton`` file.

    Args:
        path (str): The file.
        max_person (int): Bodies kept (the most active). Defaults to 2.
        denoise (bool): Remove noisy bodies first (only while more than one
            body remains; never all of them). Defaults to True.

    Returns:
        dict: ``frame_dir`` (name without extension), ``label`` (action -
        1), ``keypoint`` ``(M, T, 25, 3)`` float32 (x, y, z in metres, zeros
        where a body is absent; ``M = 0`` when the file has no body),
        ``total_frames`` T, ``setup``, ``camera``, ``subject``,
        ``replication``, ``num_body`` (bodies in the file).

    Raises:
        FileNotFoundError: no such file.
        NTUParseError: malformed file or file name.
    """
    name = osp.splitext(osp.basename(path))[0]
    meta = parse_ntu_name(name)
    with open(path, 'rb') as f:
        lines = f.read().strip().split(b'\n')
    if not lines or not lines[0].strip():
        raise NTUParseError(f'{path}: empty file')
    num_frames, frames, ids, starts = _walk(lines, path)
    bodies: Dict[str, List[int]] = {}
    for record, body_id in enumerate(ids):
        bodies.setdefault(body_id, []).append(record)
    xyz = _parse_xyz(lines, starts, path)
    frames = np.asarray(frames, dtype=np.int64)
    tracks = []  # (frames, xyz) per body, in order of first appearance
    for records in bodies.values():
        records = np.asarray(records)
        tracks.append((frames[records], xyz[records]))
    if denoise and len(tracks) > 1:
        clean = [t for t in tracks if not _is_noise(t[1])]
        if not clean:  # everything looks noisy: keep the longest body
            clean = [max(tracks, key=lambda t: t[0].size)]
        tracks = clean
    keypoint = np.zeros((len(tracks), num_frames, NTU_NUM_JOINTS, 3),
                        dtype=np.float32)
    for m, (body_frames, body_xyz) in enumerate(tracks):
        keypoint[m, body_frames] = body_xyz
    if len(tracks) > 1:
        order = np.argsort(-person_activity(keypoint, 3), kind='stable')
        keypoint = keypoint[order[:max_person]]
    return dict(
        frame_dir=name,
        label=meta['action'] - 1,
        keypoint=keypoint,
        total_frames=num_frames,
        num_body=len(bodies),
        **{k: meta[k]
           for k in ('setup', 'camera', 'subject', 'replication')})


def dump_ntu_skeleton(path: str,
                      keypoint: np.ndarray,
                      body_ids: Optional[Sequence[str]] = None,
                      reverse_frames: Sequence[int] = ()) -> None:
    """Write ``keypoint`` ``(M, T, 25, 3)`` as an official ``.skeleton`` file.

    Bodies whose joints are all zero in a frame are left out of that frame,
    as the Kinect SDK does. The fields other than x, y, z are filled with
    plausible constants. Used to test the reader and to time converters.

    Args:
        path (str): Output file.
        keypoint (np.ndarray): ``(M, T, 25, 3)`` coordinates.
        body_ids (Sequence[str], optional): One 17-digit Kinect body ID
            per person. Defaults to consecutive IDs.
        reverse_frames (Sequence[int]): Frames whose bodies are written in
            reverse order (the Kinect does not keep the order).
    """
    num_person, num_frames = keypoint.shape[:2]
    if body_ids is None:
        body_ids = [str(72057594037927936 + 1000 + m)
                    for m in range(num_person)]
    lines = [str(num_frames)]
    for t in range(num_frames):
        present = [m for m in range(num_person) if keypoint[m, t].any()]
        if t in reverse_frames:
            present.reverse()
        lines.append(str(len(present)))
        for m in present:
            lines.append(f'{body_ids[m]} 0 1 1 1 1 0 0.1 -0.2 2')
            lines.append(str(NTU_NUM_JOINTS))
            for x, y, z in keypoint[m, t].tolist():
                lines.append(f'{x:.7g} {y:.7g} {z:.7g} 250.1 200.2 '
                             f'1000.3 500.4 0.5 0.1 0.2 0.3 2')
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    with open(path, 'w') as f:
        f.write('\r\n'.join(lines) + '\r\n')
