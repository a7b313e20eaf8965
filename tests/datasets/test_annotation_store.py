"""The memory-mapped annotation store: a pkl and its packed store give
identical samples; a damaged store, a mismatched index and changed values
are refused with one line naming the file; a store never pickles its
keypoints."""
import json
import os
import os.path as osp
import pickle

import numpy as np
import pytest
from mmaction.utils import register_all_modules

import lsta_mm  # noqa: F401
from lsta_mm.datasets import AnnotationError, LSTAPoseDataset
from lsta_mm.datasets.annotation_store import (AnnotationStore, StoreError,
                                               write_store)

register_all_modules()

PACK = osp.join(
    osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))), 'tools',
    'data', 'pack_annotations.py')


def _pkl(tmp_path, data, name='ann.pkl'):
    path = tmp_path / name
    path.write_bytes(pickle.dumps(data))
    return str(path)


def _three_person_2d(num=6, frames=9, seed=0):
    """COCO-17 samples with scores, varying M (1-3) and T."""
    rng = np.random.default_rng(seed)
    annotations = []
    for i in range(num):
        m, t = 1 + i % 3, frames + i
        annotations.append(
            dict(
                frame_dir=f'clip{i}',
                label=i % 2,
                total_frames=t,
                img_shape=(480, 640),
                original_shape=(480, 640),
                keypoint=rng.uniform(0, 640, (m, t, 17, 2)).astype(np.float16),
                keypoint_score=rng.uniform(0, 1,
                                           (m, t, 17)).astype(np.float16)))
    names = [a['frame_dir'] for a in annotations]
    return dict(
        split=dict(train=names[::2], val=names[1::2]), annotations=annotations)


def _dataset(path, **kwargs):
    options = dict(
        pipeline=[], split='xsub_train', num_classes=3, layout='nturgb+d')
    options.update(kwargs)
    return LSTAPoseDataset(ann_file=path, **options)


def _assert_same_samples(a, b):
    assert len(a) == len(b)
    for i in range(len(a)):
        x, y = a[i], b[i]
        assert sorted(x) == sorted(y)
        for key, value in x.items():
            if isinstance(value, np.ndarray):
                assert value.dtype == y[key].dtype, key
                np.testing.assert_array_equal(value, y[key])
            else:
                assert value == y[key], key


@pytest.mark.parametrize('split', ['xsub_train', 'xsub_val'])
def test_store_gives_the_samples_of_its_pkl_3d(tmp_path, run_tool, split,
                                               ntu_annotations):
    pkl = _pkl(tmp_path, ntu_annotations())
    store = str(tmp_path / 'ann.store')
    code, out = run_tool(PACK, [pkl, '--quiet'])
    assert code == 0, out
    assert osp.isfile(osp.join(store, 'keypoint.npy'))
    _assert_same_samples(
        _dataset(pkl, split=split), _dataset(store, split=split))


def test_store_gives_the_samples_of_its_pkl_2d_with_scores(tmp_path):
    data = _three_person_2d()
    pkl = _pkl(tmp_path, data)
    store = str(tmp_path / 'coco.store')
    write_store(data['annotations'], data['split'], store, source=pkl)
    for split in ('train', 'val'):
        # num_person=2 trims the three-person samples to their two most
        # active persons, in the pkl when it loads, in the store when read
        options = dict(split=split, num_classes=2, layout='coco', num_person=2)
        a, b = _dataset(pkl, **options), _dataset(store, **options)
        _assert_same_samples(a, b)
        assert {b[i]['keypoint'].shape[0] for i in range(len(b))} <= {1, 2}
    assert {a['keypoint'].shape[0] for a in data['annotations']} == {1, 2, 3}


def test_truncated_keypoint_file_is_refused(tmp_path, ntu_annotations):
    data = ntu_annotations()
    store = str(tmp_path / 'ann.store')
    write_store(data['annotations'], data['split'], store)
    path = osp.join(store, 'keypoint.npy')
    with open(path, 'r+b') as f:
        f.truncate(osp.getsize(path) - 1000)
    with pytest.raises(
            StoreError,
            match=r'keypoint\.npy: missing, '
            r'truncated or damaged.*pack_annotations'):
        _dataset(store)


def test_index_that_does_not_match_the_arrays_is_refused(
        tmp_path, ntu_annotations):
    data = ntu_annotations()
    store = str(tmp_path / 'ann.store')
    write_store(data['annotations'], data['split'], store)
    index_path = osp.join(store, 'index.npz')
    with np.load(index_path) as npz:
        index = dict(npz)
    index['num_frames'][3] += 1  # sample 3 claims one frame more
    np.savez(index_path, **index)
    with pytest.raises(
            StoreError,
            match=r'index\.npz: offsets and sample '
            r'sizes do not tile'):
        _dataset(store)


def test_foreign_meta_and_missing_store_are_refused(tmp_path, ntu_annotations):
    data = ntu_annotations()
    store = str(tmp_path / 'ann.store')
    write_store(data['annotations'], data['split'], store)
    meta_path = osp.join(store, 'meta.json')
    meta = json.load(open(meta_path))
    meta['format'] = 'something else'
    json.dump(meta, open(meta_path, 'w'))
    with pytest.raises(StoreError, match='not an lsta_mm annotation store'):
        AnnotationStore(store)
    with pytest.raises(FileNotFoundError, match='does not exist'):
        _dataset(str(tmp_path / 'other.store'))


def test_values_changed_after_packing_are_checked_again(
        tmp_path, ntu_annotations):
    data = ntu_annotations()
    store = str(tmp_path / 'ann.store')
    write_store(data['annotations'], data['split'], store)
    assert AnnotationStore(store).check_values(3) == []
    name = data['split']['xsub_train'][1]
    number = [a['frame_dir'] for a in data['annotations']].index(name)
    keypoint = np.load(osp.join(store, 'keypoint.npy'), mmap_mode='r+')
    start = AnnotationStore(store).index['offset'][number]
    keypoint[start + 2, 5, 0] = np.nan
    keypoint.flush()
    del keypoint
    with pytest.raises(
            AnnotationError, match=f'sample {name}: has NaN or inf'):
        _dataset(store)
    # skip_invalid drops it, as for a pkl
    dataset = _dataset(store, skip_invalid=True)
    assert len(dataset) == len(data['split']['xsub_train']) - 1


def test_layout_and_label_checks_apply_to_a_store(tmp_path, ntu_annotations):
    data = ntu_annotations()
    store = str(tmp_path / 'ann.store')
    write_store(data['annotations'], data['split'], store)
    with pytest.raises(AnnotationError, match='has 25 joints.*layout has 17'):
        _dataset(store, layout='coco')
    with pytest.raises(AnnotationError, match=r'label 2 is outside \[0, 2\)'):
        _dataset(store, num_classes=2)
    with pytest.raises(StoreError, match="split 'nope' does not exist"):
        _dataset(store, split='nope')


def test_packer_refuses_bad_samples_and_writes_nothing(tmp_path, run_tool,
                                                       ntu_annotations):
    data = ntu_annotations()
    name = data['annotations'][4]['frame_dir']
    data['annotations'][4]['keypoint'][0, 3, 2, 1] = np.nan
    pkl = _pkl(tmp_path, data)
    code, out = run_tool(PACK, [pkl, '--quiet'])
    assert code == 1
    assert f'sample {name}: has NaN or inf' in out
    assert not osp.exists(str(tmp_path / 'ann.store'))
    assert not osp.exists(str(tmp_path / 'ann.store.partial'))
    code, out = run_tool(PACK, [pkl, '--quiet', '--skip-invalid'])
    assert code == 0, out
    store = AnnotationStore(str(tmp_path / 'ann.store'))
    assert name not in set(store.names)
    assert len(store) == len(data['annotations']) - 1
    # the split no longer names the sample that was left out
    members = [store.split(s) for s in ('xsub_train', 'xsub_val')]
    assert sum(len(m) for m in members) == len(store)


def test_pickled_store_carries_no_keypoints(tmp_path, ntu_annotations):
    data = ntu_annotations(num_frames=200)
    store_path = str(tmp_path / 'ann.store')
    write_store(data['annotations'], data['split'], store_path)
    dataset = _dataset(store_path)
    dataset[0]  # maps the arrays in this process
    keypoint_bytes = osp.getsize(osp.join(store_path, 'keypoint.npy'))
    assert len(pickle.dumps(dataset)) < keypoint_bytes / 4
    copy = pickle.loads(pickle.dumps(dataset))
    _assert_same_samples(dataset, copy)


def test_check_annotations_reads_a_store(tmp_path, run_tool,
                                         ntu_annotations):
    data = ntu_annotations()
    store = str(tmp_path / 'ann.store')
    write_store(data['annotations'], data['split'], store)
    check = osp.join(osp.dirname(PACK), 'check_annotations.py')
    code, out = run_tool(check, [store, '--layout', 'nturgb+d',
                                 '--num-classes', '3'])
    assert code == 0, out
    assert 'OK; store of 18 samples' in out
    # a value changed in place, fingerprint restored: still found
    name = data['annotations'][7]['frame_dir']
    path = osp.join(store, 'keypoint.npy')
    stat = os.stat(path)
    keypoint = np.load(path, mmap_mode='r+')
    keypoint[AnnotationStore(store).index['offset'][7]] = np.inf
    keypoint.flush()
    del keypoint
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    code, out = run_tool(check, [store, '--num-classes', '2'])
    assert code == 1
    assert f'sample {name}: has NaN or inf' in out
    assert 'label 2 is outside [0, 2)' in out
