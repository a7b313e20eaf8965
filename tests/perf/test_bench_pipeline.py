"""bench_pipeline builds the config's real training dataset and times it."""
import os.path as osp
import pickle

import numpy as np
import pytest

import bench_pipeline

CONFIG = osp.join(bench_pipeline.benchmark.ROOT, 'configs',
                  'lsta_ntu60_xsub_joint.py')


@pytest.fixture(scope='module')
def ann_file(tmp_path_factory):
    path = tmp_path_factory.mktemp('pipe') / 'xsub_train.pkl'
    data = bench_pipeline.make_annotations(4, 120, mixed=True, seed=1)
    with open(path, 'wb') as handle:
        pickle.dump(data, handle)
    return str(path)


def test_generated_annotations_are_ntu_like():
    data = bench_pipeline.make_annotations(3, 100, mixed=False)
    assert data['split']['xsub_train'] == [
        a['frame_dir'] for a in data['annotations']
    ]
    for sample in data['annotations']:
        assert sample['keypoint'].shape == (2, 100, 25, 3)
        assert sample['keypoint'].dtype == np.float32
        assert sample['total_frames'] == 100


@pytest.mark.parametrize('augment', [False, True])
def test_config_pipeline_pads_to_300_frames(ann_file, augment):
    bench_pipeline.benchmark.setup_registry()
    dataset, inner = bench_pipeline.build_train_dataset(
        CONFIG, ann_file, augment)
    assert inner['ann_file'] == ann_file
    stream = [s for s in inner['pipeline'] if s['type'] == 'SkeletonStream']
    assert stream and (('random_affine' in stream[0]) == augment)
    assert len(dataset) == 4
    sample = dataset[0]
    assert tuple(sample['inputs'].shape) == (1, 2, 300, 25, 3)
    rates = bench_pipeline.time_dataset(dataset, passes=1)
    assert len(rates) == 1 and rates[0] > 0
