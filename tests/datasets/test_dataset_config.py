"""Config helpers that state a dataset's or a clip reading's facts once."""
import copy

import numpy as np
from mmengine.dataset import Compose
from mmengine.registry import init_default_scope

import lsta_mm  # noqa: F401  (registers SkeletonStream)
from lsta_mm.datasets.dataset_config import (DEFAULT_BONE_ROOT,
                                             DEFAULT_CLIP_READING,
                                             dataset_config, stream_loaders,
                                             stream_pipeline)


def _sample(frames):
    rng = np.random.default_rng(0)
    keypoint = rng.normal(size=(1, frames, 25, 3)).astype(np.float32)
    return dict(keypoint=keypoint, total_frames=frames, label=0,
                frame_dir='S001C001P001R001A001')


def test_stream_loaders_read_training_and_evaluation_alike():
    """One statement of the reading: the training stream is random, the
    evaluation streams are the same reading in test mode, and the clip is
    read as stated (every second of 80 frames, zero frames after)."""
    train, val, test = stream_loaders(
        layout='nturgb+d', stream='joint', clip_len=50, frame_span=100,
        pad_mode='zero')
    assert val == test
    train_stream = train['dataset']['pipeline'][0]
    val_stream = val['dataset']['pipeline'][0]
    assert 'test_mode' not in train_stream and val_stream['test_mode']
    assert {k: v for k, v in val_stream.items() if k != 'test_mode'} == \
        train_stream
    init_default_scope('mmaction')
    out = Compose(val['dataset']['pipeline'][:1])(copy.deepcopy(_sample(80)))
    inds = out['frame_inds']
    # 80 frames read every second frame: 40 frames, then 10 zero frames
    assert list(inds[:40]) == list(range(0, 80, 2))
    assert (out['keypoint'][0, 0, 40:] == 0).all()
    assert (out['keypoint'][0, 0, :40] != 0).any()


def test_dataset_config_uses_the_same_pipeline_for_its_streams():
    _, train, val, test = dataset_config(
        'data/my.pkl', num_classes=3, layout='coco', stream='bone',
        clip_len=32, test_clips=4)
    assert train['dataset']['pipeline'][0] == dict(
        type='SkeletonStream', layout='coco', stream='bone', num_person=2,
        clip_len=32, bone_root=DEFAULT_BONE_ROOT, **DEFAULT_CLIP_READING)
    assert val['dataset']['pipeline'][0]['num_clips'] == 1
    assert test['dataset']['pipeline'][0]['num_clips'] == 4
    assert test['dataset']['pipeline'][0]['test_mode'] is True


def test_the_default_reading_holds_the_last_frame_at_one_rate():
    """stream_pipeline's default reading: every second frame at a 50-frame
    clip, the last recorded frame held after a short recording; {} gives
    SkeletonStream's own defaults, the paper's (every frame, replayed)."""
    init_default_scope('mmaction')
    ours = stream_pipeline(True, layout='nturgb+d', clip_len=50)
    inds = Compose(ours[:1])(copy.deepcopy(_sample(60)))['frame_inds']
    assert list(inds) == list(range(0, 60, 2)) + [58] * 20
    paper = stream_pipeline(True, clip_reading={}, layout='nturgb+d',
                            clip_len=50)
    assert paper[0] == dict(type='SkeletonStream', layout='nturgb+d',
                            clip_len=50, test_mode=True)
    inds = Compose(paper[:1])(copy.deepcopy(_sample(30)))['frame_inds']
    assert list(inds) == list(range(30)) + list(range(20))
    # an argument given wins over the default reading
    zero = stream_pipeline(layout='nturgb+d', pad_mode='zero')[0]
    assert zero['pad_mode'] == 'zero' and zero['frame_span'] == 100


def test_bone_streams_keep_where_a_second_person_stands_by_default():
    """Bone streams (alone or among others) get DEFAULT_BONE_ROOT, joint
    streams no bone argument at all; ``bone_root='zero'`` (the paper's
    bone) wins. With the default, the second person's centre bone is where
    they stand relative to the main person; with the paper's it is zero."""
    assert 'bone_root' not in stream_pipeline(layout='nturgb+d')[0]
    assert 'bone_root' not in stream_pipeline(
        layout='nturgb+d', stream='joint_motion')[0]
    for stream in ('bone', 'bone_motion', ['joint', 'bone']):
        assert stream_pipeline(layout='nturgb+d', stream=stream)[0][
            'bone_root'] == DEFAULT_BONE_ROOT == 'position'
    init_default_scope('mmaction')
    rng = np.random.default_rng(1)
    keypoint = rng.normal(size=(2, 40, 25, 3)).astype(np.float32)
    keypoint[1] += np.array([2.0, 0.0, 0.0], np.float32)  # 2 m to one side
    sample = dict(keypoint=keypoint, total_frames=40, label=0,
                  frame_dir='S001C001P001R001A050')
    centre = 20  # NTU's centre joint (spine), its own bone parent
    roots = {}
    for bone_root in (None, 'zero'):
        args = {} if bone_root is None else dict(bone_root=bone_root)
        pipeline = stream_pipeline(True, layout='nturgb+d', stream='bone',
                                   clip_len=20, **args)
        bone = Compose(pipeline[:1])(copy.deepcopy(sample))['keypoint']
        roots[bone_root] = bone[0, :, :20, centre]  # (M, 20 frames, C)
    assert np.abs(roots['zero']).max() == 0
    assert np.abs(roots[None][0]).max() < 1e-5  # the main person: origin
    # the second person: about 2 m away in every frame
    distance = np.linalg.norm(roots[None][1], axis=-1)
    assert (distance > 1).all()
