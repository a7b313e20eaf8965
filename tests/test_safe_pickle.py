"""The restricted unpickler (annotation files, score dumps) and the
annotation writer."""
import collections
import os
import pickle

import numpy as np
import pytest

from lsta_mm.safe_pickle import (AnnotationFileError, UnsafePickleError,
                                 safe_load_pickle, safe_loads_pickle,
                                 save_annotations)


class _RunsCommand:
    """Pickles as a call of os.system, like a hostile annotation file."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f'touch {self.marker}', ))


@pytest.mark.parametrize('protocol', [2, 4, 5])
def test_numpy_and_containers_load(tmp_path, protocol):
    data = dict(
        split=dict(xsub_train=['a'], xsub_val=['b']),
        annotations=[
            dict(frame_dir='a', label=np.int64(3),
                 keypoint=np.ones((1, 4, 25, 3), np.float16),
                 score=np.float32(0.5), flag=np.bool_(True),
                 shape=(1080, 1920), tags={'x'}, frozen=frozenset([1]),
                 ordered=collections.OrderedDict(k=1),
                 dtype=np.dtype('float32'),
                 ints=np.arange(5, dtype=np.int32))
        ])
    path = tmp_path / 'ok.pkl'
    path.write_bytes(pickle.dumps(data, protocol=protocol))
    loaded = safe_load_pickle(str(path))
    anno = loaded['annotations'][0]
    np.testing.assert_array_equal(anno['keypoint'],
                                  data['annotations'][0]['keypoint'])
    assert anno['keypoint'].dtype == np.float16
    assert anno['label'] == 3 and anno['ordered'] == {'k': 1}
    assert anno['dtype'] == np.float32 and anno['tags'] == {'x'}


def test_os_system_is_refused_without_running(tmp_path):
    marker = tmp_path / 'executed'
    path = tmp_path / 'evil.pkl'
    payload = dict(split={}, annotations=[_RunsCommand(marker)])
    path.write_bytes(pickle.dumps(payload, protocol=2))
    with pytest.raises(UnsafePickleError,
                       match=r'evil\.pkl.*imports (posix|os|nt)\.system'):
        safe_load_pickle(str(path))
    assert not marker.exists()
    # the plain unpickler would have run it: the file really is hostile
    pickle.loads(path.read_bytes())
    assert marker.exists()


@pytest.mark.parametrize('name', ['eval', 'exec', 'getattr', '__import__'])
def test_dangerous_builtins_refused(name):
    data = b'\x80\x02cbuiltins\n' + name.encode() + b'\nq\x00.'
    with pytest.raises(UnsafePickleError, match=name):
        safe_loads_pickle(data, 'x.pkl')


def test_broken_files(tmp_path):
    with pytest.raises(FileNotFoundError, match='nothere.pkl'):
        safe_load_pickle(str(tmp_path / 'nothere.pkl'))
    text = tmp_path / 'ann.json'
    text.write_text('{}')
    with pytest.raises(AnnotationFileError, match='not a .pkl'):
        safe_load_pickle(str(text))
    empty = tmp_path / 'empty.pkl'
    empty.write_bytes(b'')
    with pytest.raises(AnnotationFileError, match='empty'):
        safe_load_pickle(str(empty))
    cut = tmp_path / 'cut.pkl'
    cut.write_bytes(pickle.dumps(dict(a=np.zeros(100)))[:50])
    with pytest.raises(AnnotationFileError, match='cut.pkl.*not a readable'):
        safe_load_pickle(str(cut))


def test_save_annotations_round_trip_leaves_no_partial_file(tmp_path):
    target = tmp_path / 'sub' / 'ann.pkl'
    annotations = [
        dict(frame_dir='a', label=1,
             keypoint=np.zeros((1, 4, 25, 3), np.float32), total_frames=4)
    ]
    save_annotations(str(target), dict(train=['a']), annotations)
    loaded = safe_load_pickle(str(target))
    assert loaded['split'] == dict(train=['a'])
    assert loaded['annotations'][0]['keypoint'].shape == (1, 4, 25, 3)
    assert sorted(p.name for p in target.parent.iterdir()) == ['ann.pkl']
    # an object the loader would refuse is never written in the first place
    # by a converter; a failed dump leaves the previous file whole
    with pytest.raises(Exception):
        save_annotations(str(target), dict(train=['a']), [lambda: 0])
    assert safe_load_pickle(str(target))['split'] == dict(train=['a'])
    assert sorted(p.name for p in target.parent.iterdir()) == ['ann.pkl']
