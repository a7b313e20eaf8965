"""The tools of the scale measurement: files of the full datasets' shapes
(as pkl and as store, giving the same samples) and the launcher that
measures start-up and the memory of a process tree."""
import json
import os
import os.path as osp
import subprocess
import sys

import numpy as np
import pytest

import lsta_mm  # noqa: F401
from lsta_mm.datasets import LSTAPoseDataset

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
GEN = osp.join(ROOT, 'tools', 'data', 'gen_scale_annotations.py')
BENCH = osp.join(ROOT, 'tools', 'analysis', 'scale_benchmark.py')


@pytest.mark.parametrize('preset,layout,split,shape,dtype', [
    ('ntu120', 'nturgb+d', 'xsub_val', (25, 3), np.float32),
    ('kinetics', 'openpose', 'val', (18, 2), np.float16),
])
def test_scale_files_have_the_presets_shapes_as_pkl_and_store(
        tmp_path, run_tool, preset, layout, split, shape, dtype):
    pkl, store = str(tmp_path / 'a.pkl'), str(tmp_path / 'a.store')
    fraction = '0.0005' if preset == 'ntu120' else '0.0002'
    for out, extra in ((pkl, []), (store, ['--store'])):
        code, text = run_tool(GEN, ['--preset', preset, '--out', out,
                                    '--fraction', fraction, '--quiet'] +
                              extra)
        assert code == 0, text
    options = dict(pipeline=[], split=split, layout=layout,
                   num_classes=400)
    a, b = LSTAPoseDataset(pkl, **options), LSTAPoseDataset(store, **options)
    assert len(a) == len(b) > 0
    for i in range(len(a)):
        x, y = a[i], b[i]
        assert x['keypoint'].shape[2:] == shape
        assert x['keypoint'].dtype == dtype
        np.testing.assert_array_equal(x['keypoint'], y['keypoint'])
        assert x['frame_dir'] == y['frame_dir'] and x['label'] == y['label']
    if preset == 'kinetics':
        assert x['keypoint'].shape[:2] == (2, 300)
        assert x['keypoint_score'].shape == (2, 300, 18)


def test_scale_benchmark_measures_a_one_rank_run(tmp_path, run_tool,
                                                 tiny_ann_file):
    out = str(tmp_path / 'scale.json')
    env = dict(os.environ, LSTA_MALLOC_TUNING='0', OMP_NUM_THREADS='1')
    result = subprocess.run(
        [sys.executable, BENCH, '--case', 'tiny',
         osp.join(ROOT, 'configs', 'lsta_ntu60_xsub_joint.py'), tiny_ann_file,
         '--ranks', '1', '--workers', '0', '--iters', '1', '--json', out,
         '--timeout', '300'],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=400)
    assert result.returncode == 0, result.stdout + result.stderr
    saved = json.load(open(out))
    (run, ) = saved['results']
    assert run['stopped'] is None, run['stopped']
    assert 0 < run['startup_s'] < 300
    # a python process with torch holds well over 100 MiB; the sum over
    # the tree (torchrun + one rank) is not above the sum of RSS
    assert 0.1 < run['peak_pss_gib'] <= run['peak_rss_gib']
    assert run['processes'] >= 2
    assert '| tiny |' in result.stdout
    # no process of the run is left behind
    leftover = subprocess.run(['pgrep', '-f', 'scale_bench_'],
                              capture_output=True, text=True).stdout
    assert leftover.strip() == ''
