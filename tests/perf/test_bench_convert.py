"""bench_convert's generated raw files: our reader and mmaction2's agree."""
import os

import numpy as np
import pytest

import bench_convert
from lsta_mm.datasets.ntu_raw import load_ntu_skeleton


@pytest.fixture(scope='module')
def generated(tmp_path_factory):
    folder = tmp_path_factory.mktemp('skeletons')
    clean = bench_convert.generate(
        str(folder), 12, seed=3, min_frames=20, max_frames=40,
        noise_rate=0.5, progress=False)
    return folder, clean


def test_files_follow_the_ntu_format_and_parse(generated):
    folder, clean = generated
    assert len(os.listdir(folder)) == 12
    assert any(clean.values()) and not all(clean.values())
    for name, is_clean in clean.items():
        sample = load_ntu_skeleton(str(folder / f'{name}.skeleton'))
        action = int(name.split('A')[1][:3])
        persons = 2 if action in bench_convert.MUTUAL_ACTIONS else 1
        assert 20 <= sample['total_frames'] <= 40
        assert sample['label'] == action - 1
        # One extra body in a noisy file: the reader's denoising drops it.
        assert sample['num_body'] == persons + (not is_clean)
        if is_clean:
            assert sample['keypoint'].shape[0] == persons
        kp = sample['keypoint']
        extent = kp.max(2) - kp.min(2)  # (M, T, 3): bodies stand upright
        assert np.all(extent[..., 1] > extent[..., 0])


def test_clean_files_match_mmaction2_reader_exactly(generated):
    folder, clean = generated
    read_xyz = bench_convert._mmaction_reader()
    for name, is_clean in clean.items():
        if not is_clean:
            continue
        path = str(folder / f'{name}.skeleton')
        ours = load_ntu_skeleton(path)['keypoint']
        theirs = read_xyz(path).astype(np.float32)
        assert bench_convert._match_bodies(ours, theirs, np.array_equal)


def test_float16_comparison_allows_one_rounding_step():
    theirs = np.array([0.1, 1.0, -2.5], dtype=np.float16)
    ours = theirs.astype(np.float32)
    assert bench_convert._equal_float16(ours, theirs)
    ours[1] += 4 * float(np.spacing(np.float16(1.0)))
    assert not bench_convert._equal_float16(ours, theirs)


def test_generator_rejects_bad_arguments(tmp_path):
    with pytest.raises(ValueError, match='num_files'):
        bench_convert.generate(str(tmp_path), 0, progress=False)
    with pytest.raises(ValueError, match='min_frames'):
        bench_convert.generate(str(tmp_path), 1, min_frames=5,
                               progress=False)
