"""Bone and motion streams of a batched joint tensor, inside the model.

Paper: section 3.3 (joint, bone and motion streams). These are the torch
counterparts of ``lsta_mm.datasets.transforms.skeleton_streams``'s numpy
``joint_to_bone`` and ``to_motion`` with the same conventions, so a stream
derived here from the joint clip equals the stream the data pipeline
produces (``tests/models/recognizers/test_stream_ops.py`` checks it):

* bone of joint ``v`` = joint ``v`` minus its parent, parents from
  :func:`lsta_mm.utils.topology.get_topology` (the centre is its own parent);
* motion of frame ``i`` = frame ``i + 1`` minus frame ``i`` of the *source
  sequence*, zero after its last frame;
* channels after the first ``coord_dims`` are scores: a bone's score is the
  mean of its joints' scores, a motion's the mean over its two frames (the
  score itself after the last frame), and a vector touching an undetected
  joint (score <= 0) is zero.

The pipeline derives motion before fitting the sequence to ``clip_len``
(``SkeletonStream``: stream, then ``ReplayPad``), so "the next frame" of clip
position ``t`` is the successor of its *source* frame ``frame_inds[t]``
(which ``ReplayPad`` records):

* :func:`successor_from_sequences` takes it from the whole normalised
  sequence when the pipeline passes that along (exact in every case);
* :func:`next_frame_index` finds it inside the clip, which holds every source
  frame when the sequence was padded (replayed), not shortened.
"""
from typing import Optional, Sequence

import numpy as np
import torch

__all__ = [
    'joint_to_bone', 'to_motion', 'motion_to', 'next_frame_index',
    'successor_from_index', 'successor_from_sequences', 'derive_stream'
]


def joint_to_bone(joint: torch.Tensor, parents: torch.Tensor,
                  coord_dims: int) -> torch.Tensor:
    """Bone vectors: each joint minus its parent.

    Args:
        joint (torch.Tensor): ``(..., V, C)``; coordinates first, scores
            after ``coord_dims``.
        parents (torch.Tensor): ``(V,)`` long, parent of every joint.
        coord_dims (int): Number of coordinate channels.

    Returns:
        torch.Tensor: ``(..., V, C)`` bones.
    """
    parent = joint[..., parents, :]  # (..., V, C)
    coords = joint[..., :coord_dims] - parent[..., :coord_dims]
    if joint.shape[-1] == coord_dims:
        return coords
    score = joint[..., coord_dims:]
    parent_score = parent[..., coord_dims:]
    missing = (score[..., :1] <= 0) | (parent_score[..., :1] <= 0)
    coords = coords.masked_fill(missing, 0)
    return torch.cat([coords, (score + parent_score) / 2], dim=-1)


def next_frame_index(frame_inds: Optional[np.ndarray],
                     clip_len: int) -> np.ndarray:
    """Clip position of the source frame after each position's frame.

    Args:
        frame_inds (np.ndarray, optional): ``(clip_len,)`` source frame of
            every clip position, -1 for a zero frame. None means the clip
            is the sequence itself (``0..clip_len-1``).
        clip_len (int): Clip length T.

    Returns:
        np.ndarray: ``(clip_len,)`` int64; ``next[t]`` is a position holding
        source frame ``frame_inds[t] + 1``, or -1 where there is none (last
        source frame, zero frames). When ``frame_inds[t] + 1`` was not
        sampled at all (a sequence longer than the clip, shortened
        uniformly), the next later source frame in the clip is used, i.e.
        the motion of the shortened clip.
    """
    if frame_inds is None:
        frame_inds = np.arange(clip_len)
    frame_inds = np.asarray(frame_inds, dtype=np.int64).reshape(-1)
    if frame_inds.size != clip_len:
        raise ValueError(f'frame_inds has {frame_inds.size} entries for a '
                         f'clip of {clip_len} frames')
    first_pos = {}
    for pos, src in enumerate(frame_inds.tolist()):
        if src >= 0:
            first_pos.setdefault(src, pos)
    sources = np.array(sorted(first_pos), dtype=np.int64)
    nxt = np.full(clip_len, -1, dtype=np.int64)
    for pos, src in enumerate(frame_inds.tolist()):
        if src < 0:
            continue
        later = np.searchsorted(sources, src, side='right')
        if later < sources.size:
            nxt[pos] = first_pos[int(sources[later])]
    return nxt


def successor_from_index(data: torch.Tensor,
                         next_index: Optional[torch.Tensor] = None):
    """Each clip position's successor frame, found inside the clip.

    Args:
        data (torch.Tensor): ``(B, M, T, V, C)``.
        next_index (torch.Tensor, optional): ``(B, T)`` long from
            :func:`next_frame_index`; -1 means no successor. Defaults to
            ``t + 1`` (none for the last frame).

    Returns:
        tuple: ``following`` ``(B, M, T, V, C)`` and ``valid`` ``(B, T)``.
    """
    b, m, t, v, c = data.shape
    if next_index is None:
        steps = torch.arange(1, t + 1, device=data.device)
        next_index = torch.where(steps < t, steps, -1).expand(b, t)
    next_index = next_index.to(data.device)
    gather = next_index.clamp(min=0)
    gather = gather.view(b, 1, t, 1, 1).expand(b, m, t, v, c)
    return torch.gather(data, 2, gather), next_index >= 0


def motion_to(data: torch.Tensor, following: torch.Tensor,
              valid: torch.Tensor, coord_dims: int) -> torch.Tensor:
    """Temporal difference to the successor frame.

    Args:
        data (torch.Tensor): ``(B, M, T, V, C)`` joints or bones.
        following (torch.Tensor): ``(B, M, T, V, C)`` the same quantity at
            each position's successor source frame.
        valid (torch.Tensor): ``(B, T)`` bool; False (no successor: last
            source frame, zero frames) gives a zero vector.
        coord_dims (int): Number of coordinate channels.

    Returns:
        torch.Tensor: ``(B, M, T, V, C)`` motion.
    """
    b, _, t = data.shape[:3]
    valid = valid.to(data.device).view(b, 1, t, 1, 1)
    coords = following[..., :coord_dims] - data[..., :coord_dims]
    coords = coords.masked_fill(~valid, 0)
    if data.shape[-1] == coord_dims:
        return coords
    score = data[..., coord_dims:]
    next_score = following[..., coord_dims:]
    missing = (score[..., :1] <= 0) | (next_score[..., :1] <= 0)
    coords = coords.masked_fill(missing & valid, 0)
    motion_score = torch.where(valid, (score + next_score) / 2, score)
    return torch.cat([coords, motion_score], dim=-1)


def to_motion(data: torch.Tensor, coord_dims: int,
              next_index: Optional[torch.Tensor] = None) -> torch.Tensor:
    """Temporal difference to the next source frame found in the clip.

    Args:
        data (torch.Tensor): ``(B, M, T, V, C)`` joints or bones.
        coord_dims (int): Number of coordinate channels.
        next_index (torch.Tensor, optional): See
            :func:`successor_from_index`.

    Returns:
        torch.Tensor: ``(B, M, T, V, C)`` motion.
    """
    following, valid = successor_from_index(data, next_index)
    return motion_to(data, following, valid, coord_dims)


def successor_from_sequences(sequences: Sequence[np.ndarray],
                             frame_inds: np.ndarray, num_person: int,
                             device=None):
    """Successor joints of every clip position, from the whole sequences.

    Args:
        sequences (list[np.ndarray]): ``B`` normalised sequences
            ``(M_b, T_b, V, C)`` whose frames ``frame_inds`` indexes.
        frame_inds (np.ndarray): ``(B, T)`` source frame per position, -1
            for a zero frame.
        num_person (int): Persons M of the clip (``FormatGCNInput`` keeps
            the first M and pads with zeros).
        device: Device of the returned tensors.

    Returns:
        tuple: ``following`` ``(B, M, T, V, C)`` float32 and ``valid``
        ``(B, T)`` bool (a source frame after ``frame_inds[t]`` exists).
    """
    frame_inds = np.asarray(frame_inds, dtype=np.int64)
    b, t = frame_inds.shape
    v, c = sequences[0].shape[-2:]
    following = np.zeros((b, num_person, t, v, c), dtype=np.float32)
    valid = np.zeros((b, t), dtype=bool)
    for i, seq in enumerate(sequences):
        seq = np.asarray(seq, dtype=np.float32)
        nxt = frame_inds[i] + 1
        ok = (frame_inds[i] >= 0) & (nxt < seq.shape[1])
        persons = min(num_person, seq.shape[0])
        following[i, :persons, ok] = seq[:persons, nxt[ok]].transpose(
            1, 0, 2, 3)
        valid[i] = ok
    return (torch.as_tensor(following, device=device),
            torch.as_tensor(valid, device=device))


def derive_stream(joint: torch.Tensor,
                  stream: str,
                  parents: torch.Tensor,
                  coord_dims: int,
                  following: Optional[torch.Tensor] = None,
                  valid: Optional[torch.Tensor] = None) -> torch.Tensor:
    """One of the paper's four streams from a ``(B, M, T, V, C)`` joint clip.

    Args:
        joint (torch.Tensor): ``(B, M, T, V, C)`` joint stream.
        stream (str): ``'joint'``, ``'bone'``, ``'joint_motion'`` or
            ``'bone_motion'``.
        parents (torch.Tensor): ``(V,)`` bone parents.
        coord_dims (int): Number of coordinate channels.
        following (torch.Tensor, optional): ``(B, M, T, V, C)`` joints of
            each position's successor source frame (motion streams).
            Defaults to the next clip frame.
        valid (torch.Tensor, optional): ``(B, T)`` bool, which positions
            have a successor. Required with ``following``.

    Returns:
        torch.Tensor: ``(B, M, T, V, C)``.
    """
    if stream not in ('joint', 'bone', 'joint_motion', 'bone_motion'):
        raise ValueError(f'unknown stream {stream!r}; expected joint, bone, '
                         f'joint_motion or bone_motion')
    if stream == 'joint':
        return joint
    if stream == 'bone':
        return joint_to_bone(joint, parents, coord_dims)
    if following is None:
        following, valid = successor_from_index(joint)
    data = joint
    if stream == 'bone_motion':
        data = joint_to_bone(joint, parents, coord_dims)
        following = joint_to_bone(following, parents, coord_dims)
    return motion_to(data, following, valid, coord_dims)
