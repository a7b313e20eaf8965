"""In-model bone/motion streams equal the data pipeline's numpy streams."""
import numpy as np
import pytest
import torch

from lsta_mm.datasets.transforms.padding import replay_indices
from lsta_mm.datasets.transforms.skeleton_streams import (joint_to_bone,
                                                          to_motion)
from lsta_mm.models.recognizers.stream_ops import (derive_stream,
                                                   next_frame_index,
                                                   successor_from_index,
                                                   successor_from_sequences)
from lsta_mm.utils.topology import get_topology


def _sequence(layout, coord_dims, num_frames, with_score, seed=0):
    """(M=2, T, V, C) joints; with scores, some joints undetected."""
    rng = np.random.default_rng(seed)
    v = get_topology(layout).num_node
    coords = rng.normal(size=(2, num_frames, v, coord_dims))
    if not with_score:
        return coords.astype(np.float32)
    score = rng.uniform(0.1, 1, size=(2, num_frames, v, 1))
    score[rng.random(score.shape) < 0.2] = 0
    return np.concatenate([coords, score], -1).astype(np.float32)


def _pipeline_stream(seq, stream, parents, coord_dims, inds):
    """Numpy streams as ToSkeletonStream computes them, then ReplayPad."""
    data = seq
    if stream in ('bone', 'bone_motion'):
        data = joint_to_bone(data, parents, coord_dims)
    if stream in ('joint_motion', 'bone_motion'):
        data = to_motion(data, coord_dims)
    out = data[:, np.maximum(inds, 0)]
    out[:, inds < 0] = 0
    return out


@pytest.mark.parametrize('layout,coord_dims,with_score',
                         [('nturgb+d', 3, False), ('coco', 2, True)])
@pytest.mark.parametrize('num_frames,mode', [(7, 'replay'), (16, 'replay'),
                                             (5, 'zero')])
@pytest.mark.parametrize(
    'stream', ['joint', 'bone', 'joint_motion', 'bone_motion'])
def test_in_model_stream_equals_pipeline_stream(layout, coord_dims,
                                                with_score, num_frames, mode,
                                                stream):
    clip_len = 16
    topo = get_topology(layout)
    seq = _sequence(layout, coord_dims, num_frames, with_score)
    inds = replay_indices(num_frames, clip_len, mode=mode)
    expected = _pipeline_stream(seq, stream, topo.parents, coord_dims, inds)

    joint_clip = torch.from_numpy(seq[:, np.maximum(inds, 0)].copy())
    joint_clip[:, torch.from_numpy(inds < 0)] = 0
    joint_clip = joint_clip[None]  # (1, M, T, V, C)
    parents = torch.as_tensor(topo.parents)
    nxt = torch.from_numpy(next_frame_index(inds, clip_len))[None]
    got = derive_stream(joint_clip, stream, parents, coord_dims,
                        *successor_from_index(joint_clip, nxt))[0]
    assert got.shape == expected.shape
    # same float32 operations in the same order: bit-identical
    assert torch.equal(got, torch.from_numpy(expected))
    # the successors read from the whole sequence give the same result
    got = derive_stream(
        joint_clip, stream, parents, coord_dims,
        *successor_from_sequences([seq], inds[None], num_person=2))[0]
    assert torch.equal(got, torch.from_numpy(expected))


@pytest.mark.parametrize('stream', ['joint_motion', 'bone_motion'])
@pytest.mark.parametrize('num_frames,longer', [(40, 'uniform'),
                                               (23, 'crop')])
def test_shortened_sequence_needs_the_source_sequence(stream, num_frames,
                                                      longer):
    """A clip that skips source frames lacks their successors: only the
    whole sequence reproduces the pipeline's motion."""
    clip_len, coord_dims = 16, 3
    topo = get_topology('nturgb+d')
    seq = _sequence('nturgb+d', coord_dims, num_frames, False, seed=1)
    inds = replay_indices(num_frames, clip_len, longer=longer)
    expected = torch.from_numpy(
        _pipeline_stream(seq, stream, topo.parents, coord_dims, inds))
    joint_clip = torch.from_numpy(seq[:, inds].copy())[None]
    parents = torch.as_tensor(topo.parents)
    got = derive_stream(
        joint_clip, stream, parents, coord_dims,
        *successor_from_sequences([seq], inds[None], num_person=2))[0]
    assert torch.equal(got, expected)
    if longer == 'uniform':  # frames were skipped: the clip is not enough
        within = derive_stream(joint_clip, stream, parents, coord_dims)[0]
        assert not torch.equal(within, expected)


def test_successors_follow_person_padding():
    """FormatGCNInput keeps the first M persons and pads with zeros."""
    one = np.ones((1, 5, 25, 3), np.float32)
    three = np.arange(3 * 5 * 75, dtype=np.float32).reshape(3, 5, 25, 3)
    inds = np.array([[0, 1, 2, 3], [1, 2, 3, 4]])
    following, valid = successor_from_sequences([one, three], inds, 2)
    assert following.shape == (2, 2, 4, 25, 3)
    assert valid.tolist() == [[True] * 4, [True, True, True, False]]
    assert torch.equal(following[0, 1], torch.zeros(4, 25, 3))
    assert torch.equal(following[1, :, :3], torch.from_numpy(three[:2, 2:5]))


def test_next_frame_index_follows_the_source_sequence():
    # replayed 3-frame sequence: 0 1 2 0 1 2 0
    nxt = next_frame_index(np.array([0, 1, 2, 0, 1, 2, 0]), 7)
    assert nxt.tolist() == [1, 2, -1, 1, 2, -1, 1]
    # zero padding (-1) has no successor
    assert next_frame_index(np.array([0, 1, -1, -1]), 4).tolist() == [
        1, -1, -1, -1
    ]
    # without frame_inds the clip is the sequence
    assert next_frame_index(None, 3).tolist() == [1, 2, -1]
    # a uniformly shortened sequence steps to the next sampled frame
    assert next_frame_index(np.array([1, 4, 7]), 3).tolist() == [1, 2, -1]
    with pytest.raises(ValueError, match='frame_inds has 2 entries'):
        next_frame_index(np.array([0, 1]), 3)


def test_unknown_stream_is_refused():
    x = torch.zeros(1, 1, 4, 25, 3)
    parents = torch.as_tensor(get_topology('nturgb+d').parents)
    with pytest.raises(ValueError, match='unknown stream'):
        derive_stream(x, 'velocity', parents, 3)
