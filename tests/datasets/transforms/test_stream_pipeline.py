"""The composite SkeletonStream transform a config names in one line."""
import numpy as np
import pytest

import lsta_mm  # noqa: F401
from lsta_mm.datasets.transforms import (NormalizeSkeleton, SkeletonStream,
                                         ToSkeletonStream)
from lsta_mm.registry import TRANSFORMS

LAYOUT_SHAPES = [('nturgb+d', 25, 3, False), ('openpose', 18, 2, True),
                 ('coco', 17, 2, True)]


def _sample(joints, channels, score, frames=11, persons=1, seed=0):
    rng = np.random.default_rng(seed)
    sample = dict(
        keypoint=rng.normal(size=(persons, frames, joints,
                                  channels)).astype(np.float32),
        total_frames=frames,
        label=0)
    if score:
        sample['keypoint_score'] = rng.uniform(
            0.1, 1, (persons, frames, joints)).astype(np.float32)
    return sample


@pytest.mark.parametrize('stream',
                         ['joint', 'bone', 'joint_motion', 'bone_motion'])
@pytest.mark.parametrize('layout,joints,channels,score', LAYOUT_SHAPES)
def test_output_shape(layout, joints, channels, score, stream):
    transform = TRANSFORMS.build(
        dict(type='SkeletonStream', layout=layout, stream=stream,
             clip_len=16, num_person=2))
    out = transform(_sample(joints, channels, score))
    assert out['keypoint'].shape == (1, 2, 16, joints, 3)
    assert out['keypoint'].dtype == np.float32
    assert not out['keypoint'][0, 1].any()  # zero second person


def test_equals_its_steps_and_replays():
    sample = _sample(25, 3, False, frames=5)
    out = SkeletonStream(stream='bone', clip_len=12, num_person=1,
                         test_mode=True)(dict(sample))['keypoint'][0, 0]
    ref = NormalizeSkeleton()(dict(sample))
    ref = ToSkeletonStream(stream='bone')(ref)['keypoint'][0]
    for t in range(12):
        np.testing.assert_allclose(out[t], ref[t % 5], rtol=1e-6)


def test_random_steps_only_in_training():
    sample = _sample(25, 3, False, frames=40)
    kwargs = dict(clip_len=20, random_crop=dict(ratio_range=(0.5, 0.9)),
                  random_affine=dict(rotate=20))
    test = SkeletonStream(test_mode=True, **kwargs)
    np.testing.assert_array_equal(test(dict(sample))['keypoint'],
                                  test(dict(sample))['keypoint'])
    train = SkeletonStream(**kwargs)
    assert not np.allclose(train(dict(sample))['keypoint'],
                           train(dict(sample))['keypoint'])
    assert 'RandomValidCrop' not in repr(test)
    assert 'RandomSkeletonAffine' in repr(train)


@pytest.mark.parametrize('test_mode', [True, False])
def test_several_streams_come_from_one_frame_selection(test_mode):
    """stream=[...]: the streams of one normalisation and one frame choice
    on a stream axis, each equal to its own single-stream pipeline."""
    rng = np.random.default_rng(0)
    keypoint = rng.normal(size=(2, 80, 25, 3)).astype(np.float32)
    streams = ['joint', 'bone', 'joint_motion', 'bone_motion']
    np.random.seed(1)
    multi = SkeletonStream(stream=streams, clip_len=30, test_mode=test_mode)(
        dict(keypoint=keypoint.copy(), total_frames=80))
    assert multi['keypoint'].shape == (1, 4, 2, 30, 25, 3)
    for index, stream in enumerate(streams):
        np.random.seed(1)  # the same random frames as the multi-stream run
        single = SkeletonStream(
            stream=stream, clip_len=30, test_mode=test_mode)(
                dict(keypoint=keypoint.copy(), total_frames=80))
        np.testing.assert_array_equal(multi['keypoint'][:, index],
                                      single['keypoint'])
        np.testing.assert_array_equal(multi['frame_inds'],
                                      single['frame_inds'])
    with pytest.raises(ValueError, match='twice'):
        SkeletonStream(stream=['joint', 'joint'])


@pytest.mark.parametrize('clip_len,interval', [(50, 3), (100, 2), (149, 2),
                                               (150, 1), (300, 1)])
def test_frame_span_reads_every_kth_frame(clip_len, interval):
    """frame_span: the clip covers that many recorded frames at one rate."""
    sample = _sample(25, 3, False, frames=400)
    stream = SkeletonStream(
        clip_len=clip_len, frame_span=150, longer='crop', test_mode=True)
    inds = stream(dict(sample))['frame_inds']
    assert (np.diff(inds) == interval).all()
    # a sequence half as long is read at the same interval, not stretched
    half = stream(_sample(25, 3, False, frames=clip_len * interval // 2))
    assert (np.diff(half['frame_inds'][:clip_len // 2 - 1]) == interval).all()
    # without frame_span the same long sequence is stretched onto the clip
    uniform = SkeletonStream(clip_len=clip_len, test_mode=True)
    assert np.diff(uniform(dict(sample))['frame_inds']).mean() > interval


def test_frame_span_must_be_a_positive_integer():
    for span in (0, -5, 2.5):
        with pytest.raises(ValueError, match='frame_span'):
            SkeletonStream(clip_len=50, frame_span=span)
