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

The pipeline derives motion before padding the sequence to ``clip_len``
(``SkeletonStream``: stream, then ``ReplayPad``). A padded clip replays the
sequence, so "the next frame" of clip position ``t`` is not always position
``t + 1``: :func:`next_frame_index` finds it through the clip's
``frame_inds`` (the source frame of every clip position, which ``ReplayPad``
records).
"""
from typing import Optional

import numpy as np
import torch

__all__ = ['joint_to_bone', 'to_motion', 'next_frame_index', 'derive_stream']


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


def to_motion(data: torch.Tensor, coord_dims: int,
              next_index: Optional[torch.Tensor] = None) -> torch.Tensor:
    """Temporal difference to the next source frame.

    Args:
        data (torch.Tensor): ``(B, M, T, V, C)`` joints or bones.
        coord_dims (int): Number of coordinate channels.
        next_index (torch.Tensor, optional): ``(B, T)`` long from
            :func:`next_frame_index`; -1 gives a zero vector. Defaults to
            ``t + 1`` (and -1 for the last frame).

    Returns:
        torch.Tensor: ``(B, M, T, V, C)`` motion.
    """
    b, m, t, v, c = data.shape
    if next_index is None:
        steps = torch.arange(1, t + 1, device=data.device)
        next_index = torch.where(steps < t, steps, -1).expand(b, t)
    next_index = next_index.to(data.device)
    valid = next_index >= 0  # (B, T)
    gather = next_index.clamp(min=0)
    gather = gather.view(b, 1, t, 1, 1).expand(b, m, t, v, c)
    following = torch.gather(data, 2, gather)  # (B, M, T, V, C)
    valid = valid.view(b, 1, t, 1, 1)
    coords = (following[..., :coord_dims] - data[..., :coord_dims])
    coords = coords.masked_fill(~valid, 0)
    if c == coord_dims:
        return coords
    score = data[..., coord_dims:]
    next_score = following[..., coord_dims:]
    missing = (score[..., :1] <= 0) | (next_score[..., :1] <= 0)
    coords = coords.masked_fill(missing & valid, 0)
    motion_score = torch.where(valid, (score + next_score) / 2, score)
    return torch.cat([coords, motion_score], dim=-1)


def derive_stream(joint: torch.Tensor,
                  stream: str,
                  parents: torch.Tensor,
                  coord_dims: int,
                  next_index: Optional[torch.Tensor] = None) -> torch.Tensor:
    """One of the paper's four streams from a ``(B, M, T, V, C)`` joint clip.

    Args:
        joint (torch.Tensor): ``(B, M, T, V, C)`` joint stream.
        stream (str): ``'joint'``, ``'bone'``, ``'joint_motion'`` or
            ``'bone_motion'``.
        parents (torch.Tensor): ``(V,)`` bone parents.
        coord_dims (int): Number of coordinate channels.
        next_index (torch.Tensor, optional): ``(B, T)``, see
            :func:`to_motion`.

    Returns:
        torch.Tensor: ``(B, M, T, V, C)``.
    """
    data = joint
    if stream in ('bone', 'bone_motion'):
        data = joint_to_bone(data, parents, coord_dims)
    if stream in ('joint_motion', 'bone_motion'):
        data = to_motion(data, coord_dims, next_index)
    elif stream not in ('joint', 'bone'):
        raise ValueError(f'unknown stream {stream!r}; expected joint, bone, '
                         f'joint_motion or bone_motion')
    return data
