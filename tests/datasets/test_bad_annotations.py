"""Each bad annotation input fails at dataset load time with one clear
error naming the file, the sample and the problem."""
import logging
import os
import pickle

import numpy as np
import pytest
from mmaction.utils import register_all_modules

import lsta_mm  # noqa: F401
from lsta_mm.datasets import AnnotationError, LSTAPoseDataset
from lsta_mm.safe_pickle import AnnotationFileError, \
    UnsafePickleError

register_all_modules()

PIPELINE = [
    dict(type='SkeletonStream', layout='nturgb+d', stream='joint',
         clip_len=8),
    dict(type='PackActionInputs')
]


def _sample(name, label=0, persons=1, frames=6, joints=25, channels=3,
            seed=0):
    rng = np.random.default_rng(seed)
    keypoint = rng.normal(size=(persons, frames, joints, channels))
    return dict(frame_dir=name, label=label, total_frames=frames,
                keypoint=keypoint.astype(np.float32))


def _file(tmp_path, annotations=None, split=None, raw=None, name='ann.pkl'):
    if raw is None:
        if annotations is None:
            annotations = [_sample('good0'), _sample('good1', label=1)]
        if split is None:
            split = dict(xsub_train=[a['frame_dir'] for a in annotations])
        raw = dict(split=split, annotations=annotations)
    path = tmp_path / name
    path.write_bytes(pickle.dumps(raw))
    return str(path)


def _load(path, **kwargs):
    options = dict(pipeline=PIPELINE, split='xsub_train', num_classes=60,
                   layout='nturgb+d')
    options.update(kwargs)
    return LSTAPoseDataset(ann_file=path, **options)


def test_good_file_loads_and_yields_input(tmp_path):
    dataset = _load(_file(tmp_path))
    assert len(dataset) == 2
    assert dataset[0]['inputs'].shape == (1, 2, 8, 25, 3)


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match='nothere.pkl.*does not'):
        _load(str(tmp_path / 'nothere.pkl'))


def test_not_a_pkl(tmp_path):
    path = tmp_path / 'ann.pkl'
    path.write_text('frame_dir,label\nS001,1\n')
    with pytest.raises(AnnotationFileError, match='ann.pkl.*not a readable'):
        _load(str(path))


def test_without_split_or_annotations(tmp_path):
    path = _file(tmp_path, raw=dict(annotations=[_sample('a')]))
    with pytest.raises(AnnotationError, match="ann.pkl.*no 'split'"):
        _load(path)
    path = _file(tmp_path, raw=dict(split={}, samples=[]), name='b.pkl')
    with pytest.raises(AnnotationError, match="b.pkl.*no 'annotations'"):
        _load(path)


def test_unknown_split_name(tmp_path):
    with pytest.raises(AnnotationError, match="split 'xview_train' does not"
                       r".*\['xsub_train'\]"):
        _load(_file(tmp_path), split='xview_train')


def test_split_names_unknown_samples(tmp_path):
    path = _file(tmp_path, split=dict(xsub_train=['good0', 'ghost']))
    with pytest.raises(AnnotationError, match='names 1 sample.*ghost'):
        _load(path)


def _bad_sample_error(tmp_path, bad, **kwargs):
    path = _file(tmp_path, [_sample('good0'), bad])
    with pytest.raises(AnnotationError) as info:
        _load(path, **kwargs)
    text = str(info.value)
    assert 'ann.pkl' in text and f'sample {bad["frame_dir"]}' in text
    assert 'good0' not in text
    return text


def test_sample_without_keypoint(tmp_path):
    bad = _sample('nokp')
    del bad['keypoint']
    assert 'has no `keypoint`' in _bad_sample_error(tmp_path, bad)


def test_keypoint_wrong_rank(tmp_path):
    bad = _sample('rank3')
    bad['keypoint'] = bad['keypoint'][0]
    assert 'rank 3' in _bad_sample_error(tmp_path, bad)


def test_keypoint_wrong_joint_count(tmp_path):
    text = _bad_sample_error(tmp_path, _sample('v18', joints=18))
    assert '18 joints' in text and 'layout has 25' in text


def test_wrong_channel_count_for_stream(tmp_path):
    text = _bad_sample_error(tmp_path, _sample('xy', channels=2))
    assert '2 channels' in text
    # a 2-D layout whose stream expects (x, y, score) but gets only x, y
    bad = _sample('noscore', joints=17, channels=2)
    path = _file(tmp_path, [bad], name='coco.pkl')
    with pytest.raises(AnnotationError, match='noscore.*2 channels.*'
                       'in_channels=3'):
        _load(path, layout='coco', pipeline=[])


@pytest.mark.parametrize('value', [np.nan, np.inf])
def test_nan_or_inf(tmp_path, value):
    bad = _sample('nan')
    bad['keypoint'][0, 3, 7, 1] = value
    text = _bad_sample_error(tmp_path, bad)
    assert 'NaN or inf' in text and 'frame 3, joint 7' in text


def test_zero_length_sequence(tmp_path):
    assert 'is empty' in _bad_sample_error(tmp_path, _sample('t0', frames=0))


def test_all_zero_sequence(tmp_path):
    bad = _sample('zeros')
    bad['keypoint'][:] = 0
    assert 'all zeros' in _bad_sample_error(tmp_path, bad)


def test_label_outside_num_classes(tmp_path):
    text = _bad_sample_error(tmp_path, _sample('lbl', label=60))
    assert 'label 60 is outside [0, 60)' in text
    text = _bad_sample_error(tmp_path, _sample('neg', label=-1))
    assert 'label -1' in text


def test_more_persons_keeps_most_active_and_logs_once(tmp_path, caplog):
    crowd = []
    for i in range(3):
        sample = _sample(f'crowd{i}', persons=4, seed=i)
        sample['keypoint'][1] *= 5  # person 1 moves most, then 3
        sample['keypoint'][3] *= 3
        crowd.append(sample)
    expected = [s['keypoint'][[1, 3]].copy() for s in crowd]
    messages = []
    handler = logging.Handler()
    handler.emit = lambda record: messages.append(record.getMessage())
    from mmengine.logging import MMLogger
    logger = MMLogger.get_current_instance()
    logger.addHandler(handler)
    try:
        dataset = _load(_file(tmp_path, crowd), num_person=2)
    finally:
        logger.removeHandler(handler)
    for i in range(3):
        np.testing.assert_array_equal(
            dataset.get_data_info(i)['keypoint'], expected[i])
    hits = [m for m in messages if 'more than num_person=2' in m]
    assert len(hits) == 1 and '3 sample(s)' in hits[0]


def test_stream_the_layout_cannot_produce(tmp_path):
    pipeline = [dict(type='SkeletonStream', layout='nturgb+d',
                     stream='angle')]
    with pytest.raises(ValueError, match=r"unknown stream\(s\) \['angle'\]"):
        _load(_file(tmp_path), pipeline=pipeline)
    pipeline = [dict(type='SkeletonStream', layout='kinect-v1',
                     stream='bone')]
    with pytest.raises(ValueError, match="unknown skeleton layout"):
        _load(_file(tmp_path), pipeline=pipeline)


def test_pickle_that_imports_os_system_is_refused(tmp_path):
    class Evil:

        def __reduce__(self):
            return (os.system, (f'touch {tmp_path / "ran"}', ))

    path = _file(tmp_path, raw=dict(split={}, annotations=[Evil()]))
    with pytest.raises(UnsafePickleError, match='ann.pkl.*system'):
        _load(path)
    assert not (tmp_path / 'ran').exists()


def test_skip_invalid_drops_bad_samples(tmp_path):
    bad = _sample('nan')
    bad['keypoint'][:] = np.nan
    dataset = _load(_file(tmp_path, [_sample('good0'), bad]),
                    skip_invalid=True)
    assert len(dataset) == 1
