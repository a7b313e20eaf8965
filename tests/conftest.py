"""Shared fixtures: a generated NTU-format annotation file, repo paths, a
tool runner."""
import os
import os.path as osp
import pickle
import runpy
import sys

import numpy as np
import pytest

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
PYTHON = sys.executable


def make_ntu_annotations(num_per_class=6, num_classes=3, num_frames=20,
                         seed=0):
    """A separable toy NTU-60-format annotation dict.

    Class ``c`` moves joint group ``c`` with a sine of frequency ``c + 1``;
    samples alternate between the ``xsub_train`` and ``xsub_val`` splits.
    """
    rng = np.random.default_rng(seed)
    annotations, train, val = [], [], []
    t = np.arange(num_frames, dtype=np.float32)
    for label in range(num_classes):
        for index in range(num_per_class):
            name = f'S001C001P00{index % 3 + 1}R001A{label + 1:03d}_{index}'
            keypoint = rng.normal(0, 0.05, (2, num_frames, 25, 3))
            joints = slice(4 + 6 * label, 10 + 6 * label)
            keypoint[:, :, joints, 1] += np.sin(t * (label + 1) / 3)[:, None]
            annotations.append(
                dict(
                    frame_dir=name,
                    label=label,
                    keypoint=keypoint.astype(np.float32),
                    total_frames=num_frames,
                    img_shape=(1080, 1920),
                    original_shape=(1080, 1920)))
            (train if index % 2 == 0 else val).append(name)
    return dict(
        split=dict(xsub_train=train, xsub_val=val), annotations=annotations)


@pytest.fixture(scope='session')
def tiny_ann_file(tmp_path_factory):
    path = tmp_path_factory.mktemp('data') / 'tiny_3d.pkl'
    with open(path, 'wb') as handle:
        pickle.dump(make_ntu_annotations(), handle)
    return str(path)


@pytest.fixture
def ntu_annotations():
    """:func:`make_ntu_annotations`, for tests that build their own files."""
    return make_ntu_annotations


@pytest.fixture
def tool_env():
    """Environment for running tools in subprocesses: one thread each."""
    env = dict(os.environ)
    env.setdefault('OMP_NUM_THREADS', '1')
    env['PYTHONPATH'] = REPO_ROOT + os.pathsep + env.get('PYTHONPATH', '')
    return env


@pytest.fixture
def run_tool(monkeypatch, capsys):
    """Run a tool's ``__main__`` in this process (its imports are warm).

    Returns ``run(path, args) -> (exit code, stdout + stderr)``.
    """

    def run(path, args):
        monkeypatch.setenv('LSTA_MALLOC_TUNING', '0')  # no re-exec of pytest
        monkeypatch.setattr(sys, 'argv', [path] + list(args))
        monkeypatch.syspath_prepend(osp.dirname(path))
        monkeypatch.syspath_prepend(osp.join(REPO_ROOT, 'tools'))
        code = 0
        try:
            runpy.run_path(path, run_name='__main__')
        except SystemExit as exc:
            code = exc.code
        captured = capsys.readouterr()
        return code, captured.out + captured.err

    return run
