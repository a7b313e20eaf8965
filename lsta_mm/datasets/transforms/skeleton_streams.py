"""Joint, bone and motion streams of a skeleton sequence.

Paper: section 3.3. "The initialisation of the 'bone' stream was set to the
vector difference of adjacent joints directed away from the center of the
human body. Then the 'motion' stream used the temporal difference between
adjacent frames of 'joint' or 'bone' as input."

Bone parents come only from :func:`lsta_mm.utils.topology.get_topology`
(mmaction2's ``Graph`` table), never from a second pair list. mmaction2's
own ``JointToBone`` pairs have drifted from its ``Graph`` (``nturgb+d``:
the hand tips 21 and 23 hang from the thumbs, not the hands; ``openpose``
and ``coco``: rooted at the nose, not the neck / with hips under the
nose); ours cannot drift.

Channels. The first ``coord_dims`` channels are coordinates (x, y, z for
``nturgb+d``; x, y for ``openpose`` and ``coco``); any further channel is a
detection score. Scores are never differenced: a bone's score is the mean of
its two joints' scores, a motion's score the mean over the two frames, and
a bone or motion touching an undetected joint (score 0) has zero
coordinates instead of a vector to the image origin.
"""
from typing import Dict, Optional, Sequence, Tuple, Union

import numpy as np
from mmcv.transforms import BaseTransform

from lsta_mm.registry import TRANSFORMS
from lsta_mm.utils.topology import get_topology

__all__ = [
    'BONE_ROOTS', 'BONE_STREAMS', 'STREAMS', 'ToSkeletonStream',
    'default_coord_dims', 'derive_stream', 'joint_to_bone',
    'merge_keypoint_score', 'stream_tuple', 'to_motion'
]

#: Streams of the paper (section 3.3) in the order of the configs.
STREAMS = ('joint', 'bone', 'joint_motion', 'bone_motion')
#: The streams made of bones (their centre joint's bone: :data:`BONE_ROOTS`).
BONE_STREAMS = ('bone', 'bone_motion')


def default_coord_dims(layout: Union[str, dict]) -> int:
    """Coordinate channels of a layout (``get_topology(layout).coord_dims``:
    3 for ``nturgb+d``, 2 for the 2-D layouts, a custom dict's
    ``coord_dims`` or 2)."""
    return get_topology(layout).coord_dims


def merge_keypoint_score(results: Dict) -> np.ndarray:
    """Return ``keypoint`` with ``keypoint_score`` appended as a channel.

    mmaction2's 2-D annotation files store scores apart, as
    ``keypoint_score`` ``(M, T, V)`` next to ``keypoint`` ``(M, T, V, 2)``.
    The score is moved into the last channel (and removed from ``results``)
    so that it travels with the coordinates instead of being lost.

    Returns:
        np.ndarray: ``(M, T, V, C)`` float32.
    """
    keypoint = np.asarray(results['keypoint'], dtype=np.float32)
    score = results.pop('keypoint_score', None)
    if score is not None:
        score = np.asarray(score, dtype=np.float32)
        if score.shape != keypoint.shape[:-1]:
            raise ValueError(
                f'keypoint_score has shape {score.shape} but keypoint has '
                f'{keypoint.shape}; expected (M, T, V) matching (M, T, V, C)')
        keypoint = np.concatenate([keypoint, score[..., None]], axis=-1)
    results['keypoint'] = keypoint
    return keypoint


#: What the centre joint's bone holds: ``'zero'`` (the paper's and
#: 2s-AGCN's bone, a joint that is its own parent has none) or
#: ``'position'`` (its coordinates, i.e. its place relative to the
#: normalisation's origin, the main person's centre joint: the main
#: person's is then zero and a second person's is where they stand).
BONE_ROOTS = ('zero', 'position')


def joint_to_bone(joint: np.ndarray,
                  parents: np.ndarray,
                  coord_dims: int,
                  root: str = 'zero') -> np.ndarray:
    """Bone vectors, each joint minus its parent (one hop nearer the centre).

    Args:
        joint (np.ndarray): ``(..., V, C)``, coordinates in the first
            ``coord_dims`` channels, scores after them.
        parents (np.ndarray): ``(V,)`` parent index per joint; the centre
            joint is its own parent, so its bone is zero.
        coord_dims (int): Number of coordinate channels.
        root (str): One of :data:`BONE_ROOTS`: the centre joint's bone is
            zero (``'zero'``, the paper's) or its position
            (``'position'``). Defaults to ``'zero'``.

    Returns:
        np.ndarray: ``(..., V, C)`` float32 bones.
    """
    if root not in BONE_ROOTS:
        raise ValueError(f'bone root must be one of {BONE_ROOTS}, '
                         f'got {root!r}')
    parent = joint[..., parents, :]  # (..., V, C)
    bone = np.empty_like(joint, dtype=np.float32)
    bone[..., :coord_dims] = joint[..., :coord_dims] - parent[
        ..., :coord_dims]
    if root == 'position':
        roots = np.flatnonzero(np.asarray(parents) == np.arange(len(parents)))
        bone[..., roots, :coord_dims] = joint[..., roots, :coord_dims]
    if joint.shape[-1] > coord_dims:
        score = joint[..., coord_dims:]
        parent_score = parent[..., coord_dims:]
        bone[..., coord_dims:] = (score + parent_score) / 2
        missing = (score[..., 0] <= 0) | (parent_score[..., 0] <= 0)
        bone[..., :coord_dims][missing] = 0
    return bone


def to_motion(data: np.ndarray, coord_dims: int) -> np.ndarray:
    """Temporal difference ``x[t + 1] - x[t]``; the last frame is zero.

    Args:
        data (np.ndarray): ``(M, T, V, C)`` joints or bones.
        coord_dims (int): Number of coordinate channels; the score channels
            after them are averaged over the two frames, not differenced.

    Returns:
        np.ndarray: ``(M, T, V, C)`` float32 motion.
    """
    motion = np.zeros_like(data, dtype=np.float32)
    motion[:, :-1, :, :coord_dims] = np.diff(data[..., :coord_dims], axis=1)
    if data.shape[-1] > coord_dims:
        score = data[..., coord_dims:]
        motion[:, :-1, :, coord_dims:] = (score[:, 1:] + score[:, :-1]) / 2
        motion[:, -1:, :, coord_dims:] = score[:, -1:]
        missing = (score[:, 1:, :, 0] <= 0) | (score[:, :-1, :, 0] <= 0)
        motion[:, :-1, :, :coord_dims][missing] = 0
    return motion


def derive_stream(joint: np.ndarray,
                  stream: str,
                  parents: np.ndarray,
                  coord_dims: int,
                  bone_root: str = 'zero') -> np.ndarray:
    """One of the paper's streams from a joint sequence (section 3.3).

    The one place where the stream formulas are composed; the motion of a
    sequence uses each frame's true successor, so derive streams before any
    frame selection.

    Args:
        joint (np.ndarray): ``(M, T, V, C)`` joints.
        stream (str): One of :data:`STREAMS`.
        parents (np.ndarray): ``(V,)`` bone parent of each joint.
        coord_dims (int): Coordinate channels; later ones are scores.
        bone_root (str): The centre joint's bone, :data:`BONE_ROOTS`.

    Returns:
        np.ndarray: ``(M, T, V, C)`` float32.
    """
    data = joint
    if stream in BONE_STREAMS:
        data = joint_to_bone(data, parents, coord_dims, bone_root)
    if stream in ('joint_motion', 'bone_motion'):
        data = to_motion(data, coord_dims)
    return np.ascontiguousarray(data, dtype=np.float32)


def stream_tuple(stream: Union[str, Sequence[str]]) -> Tuple[str, ...]:
    """``stream`` as a tuple of stream names, each checked."""
    streams = (stream, ) if isinstance(stream, str) else tuple(stream)
    unknown = [s for s in streams if s not in STREAMS]
    if not streams or unknown:
        raise ValueError(f'unknown stream(s) {unknown or streams!r}; '
                         f'expected one or more of {", ".join(STREAMS)}')
    if len(set(streams)) != len(streams):
        raise ValueError(f'streams {streams} name one stream twice')
    return streams


@TRANSFORMS.register_module()
class ToSkeletonStream(BaseTransform):
    """Turn joint coordinates into one of the paper's four input streams.

    Paper: section 3.3 (joint, bone and motion streams).

    Required Keys:

        - keypoint: ``(M, T, V, C)`` joints.
        - keypoint_score (optional): ``(M, T, V)``; appended as a channel.

    Modified Keys:

        - keypoint: ``(M, T, V, C')`` float32 stream, ``C' = C`` (+1 when a
          ``keypoint_score`` was merged); for several streams
          ``(M, T, V, S * C')``, the streams side by side on the channel
          axis in the order given (frame selection and person padding then
          treat them as one; ``SkeletonStream`` moves them onto their own
          axis at the end).

    Removed Keys:

        - keypoint_score

    Args:
        layout (str | dict): Skeleton layout for
            :func:`~lsta_mm.utils.topology.get_topology`. Defaults to
            ``'nturgb+d'``.
        stream (str | list[str]): ``'joint'``, ``'bone'``,
            ``'joint_motion'`` or ``'bone_motion'``, or a list of them (a
            multi-stream model's input). Defaults to ``'joint'``.
        coord_dims (int, optional): Coordinate channels; later channels are
            scores. Defaults to None (3 for ``nturgb+d``, else 2).
        bone_root (str): The centre joint's bone in the bone streams:
            ``'zero'`` (the paper's) or ``'position'`` (where the centre
            joint stands after normalisation, so a second person's place
            is kept; :data:`BONE_ROOTS`). Defaults to ``'zero'``.
    """

    def __init__(self,
                 layout: Union[str, dict] = 'nturgb+d',
                 stream: Union[str, Sequence[str]] = 'joint',
                 coord_dims: Optional[int] = None,
                 bone_root: str = 'zero') -> None:
        if bone_root not in BONE_ROOTS:
            raise ValueError(f'bone_root must be one of {BONE_ROOTS}, '
                             f'got {bone_root!r}')
        self.bone_root = bone_root
        self.streams = stream_tuple(stream)
        self.layout = layout
        self.stream = stream if isinstance(stream, str) else self.streams
        self.topology = get_topology(layout)
        self.coord_dims = (
            default_coord_dims(layout) if coord_dims is None else coord_dims)

    def transform(self, results: Dict) -> Dict:
        """Compute the stream in place of ``results['keypoint']``."""
        keypoint = merge_keypoint_score(results)
        num_node = keypoint.shape[-2]
        if num_node != self.topology.num_node:
            raise ValueError(
                f'{results.get("frame_dir", "sample")}: keypoint has '
                f'{num_node} joints but layout {self.topology.name!r} has '
                f'{self.topology.num_node}')
        if keypoint.shape[-1] < self.coord_dims:
            raise ValueError(
                f'{results.get("frame_dir", "sample")}: keypoint has '
                f'{keypoint.shape[-1]} channels, fewer than the '
                f'{self.coord_dims} coordinates of layout '
                f'{self.topology.name!r}')
        streams = [
            derive_stream(keypoint, stream, self.topology.parents,
                          self.coord_dims, self.bone_root)
            for stream in self.streams
        ]
        results['keypoint'] = streams[0] if len(streams) == 1 else \
            np.concatenate(streams, axis=-1)
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(layout={self.layout!r}, '
                f'stream={self.stream!r}, coord_dims={self.coord_dims}, '
                f'bone_root={self.bone_root!r})')
