"""tools/train.py, tools/test.py and tools/dist_train.sh end to end on CPU.

A tiny GCN on a generated NTU-format pkl; each run takes seconds.
"""
import os
import os.path as osp
import subprocess
import sys

import pytest
import torch

from lsta_mm.compat import safe_torch_load

PYTHON = sys.executable
REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))

CONFIG = osp.join(REPO_ROOT, 'tests', 'fixtures', 'configs', 'tiny_gcn.py')


def _data_options(ann_file):
    return [
        f'{loader}.dataset.ann_file={ann_file}'
        for loader in ('train_dataloader', 'val_dataloader',
                       'test_dataloader')
    ]


def _run(args, env, cwd=REPO_ROOT, timeout=240):
    result = subprocess.run(
        args, cwd=cwd, env=env, capture_output=True, text=True,
        timeout=timeout)
    assert result.returncode == 0, (
        f'{" ".join(map(str, args))} failed:\n{result.stdout[-3000:]}\n'
        f'{result.stderr[-3000:]}')
    return result.stdout + result.stderr


@pytest.fixture(scope='module')
def trained_work_dir(tmp_path_factory, tiny_ann_file):
    env = dict(os.environ, OMP_NUM_THREADS='1')
    work_dir = tmp_path_factory.mktemp('train')
    _run([
        PYTHON, 'tools/train.py', CONFIG, '--work-dir', str(work_dir),
        '--cfg-options', *_data_options(tiny_ann_file)
    ], env)
    return work_dir


def test_train_writes_checkpoints(trained_work_dir):
    for name in ('epoch_1.pth', 'epoch_2.pth', 'last_checkpoint'):
        assert (trained_work_dir / name).exists(), name
    ckpt = safe_torch_load(str(trained_work_dir / 'epoch_2.pth'))
    assert ckpt['meta']['epoch'] == 2
    assert any(k.startswith('backbone.') for k in ckpt['state_dict'])


def _test_tool(work_dir, ann_file, env, out_dir, *extra):
    """``tools/test.py`` on the trained epoch 2 with ``extra`` flags."""
    return _run([
        PYTHON, 'tools/test.py', CONFIG,
        str(work_dir / 'epoch_2.pth'), '--work-dir',
        str(out_dir), *extra, '--cfg-options', *_data_options(ann_file)
    ], env)


def test_test_tool_reports_metrics_and_dumps(trained_work_dir,
                                             tiny_ann_file, tool_env,
                                             tmp_path):
    dump = tmp_path / 'scores.pkl'
    out = _test_tool(trained_work_dir, tiny_ann_file, tool_env, tmp_path,
                     '--dump', str(dump))
    for metric in ('acc/top1', 'acc/top5', 'acc/mean1'):
        assert metric in out
    import pickle
    with open(dump, 'rb') as handle:
        results = pickle.load(handle)
    assert len(results) == 9  # the xsub_val split of the fixture
    assert set(results[0]) >= {'pred_score', 'gt_label'}


def test_test_tool_writes_the_confusion_report(trained_work_dir,
                                               tiny_ann_file, tool_env,
                                               tmp_path):
    import csv
    names = osp.splitext(tiny_ann_file)[0] + '_classes.txt'
    with open(names, 'w') as f:  # the label map a converter writes
        f.write('wave\nkick\nsquat\n')
    report = tmp_path / 'report'
    try:
        out = _test_tool(trained_work_dir, tiny_ann_file, tool_env,
                         tmp_path, '--confusion', str(report))
    finally:
        os.remove(names)
    assert 'accuracy per class' in out
    rows = list(csv.reader(open(report / 'confusion_matrix.csv')))
    assert [row[0] for row in rows[1:]] == ['wave', 'kick', 'squat']
    assert sum(int(v) for row in rows[1:] for v in row[1:]) == 9
    for name in ('per_class_accuracy.csv', 'mistakes.csv',
                 'confusion_matrix.png', 'test_scores.pkl'):
        assert (report / name).stat().st_size > 0, name


def test_resume_continues_from_last_checkpoint(trained_work_dir,
                                               tiny_ann_file, tool_env):
    out = _run([
        PYTHON, 'tools/train.py', CONFIG, '--work-dir',
        str(trained_work_dir), '--resume', '--cfg-options',
        *_data_options(tiny_ann_file), 'train_cfg.max_epochs=3'
    ], tool_env)
    assert 'resumed epoch: 2' in out
    ckpt = safe_torch_load(str(trained_work_dir / 'epoch_3.pth'))
    assert ckpt['meta']['epoch'] == 3


def test_resume_in_a_copied_work_dir_uses_the_copy(trained_work_dir,
                                                   tiny_ann_file, tool_env,
                                                   tmp_path):
    import shutil
    original, copy = tmp_path / 'original', tmp_path / 'copy'
    shutil.copytree(trained_work_dir, original)
    shutil.copytree(trained_work_dir, copy)
    for folder in (original, copy):  # another test may have trained on
        for later in folder.glob('epoch_[3-9].pth'):
            later.unlink()
    # the copy's pointer names the original's file, as mmengine wrote it
    (copy / 'last_checkpoint').write_text(str(original / 'epoch_2.pth'))
    (original / 'epoch_2.pth').unlink()  # the original run was cleaned up
    out = _run([
        PYTHON, 'tools/train.py', CONFIG, '--work-dir',
        str(copy), '--resume', '--cfg-options',
        *_data_options(tiny_ann_file), 'train_cfg.max_epochs=3'
    ], tool_env)
    assert 'resumed epoch: 2' in out
    assert (copy / 'epoch_3.pth').is_file()
    assert not (original / 'epoch_3.pth').exists()


def test_test_tool_refuses_missing_checkpoint(tool_env, tmp_path):
    result = subprocess.run(
        [PYTHON, 'tools/test.py', CONFIG,
         str(tmp_path / 'none.pth')],
        cwd=REPO_ROOT,
        env=tool_env,
        capture_output=True,
        text=True)
    assert result.returncode != 0
    assert 'none.pth does not exist' in result.stderr


def test_dist_train_two_cpu_processes(tiny_ann_file, tool_env, tmp_path,
                                      trained_work_dir):
    work_dir = tmp_path / 'dist'
    env = dict(tool_env, PORT='29537', PYTHON=PYTHON)
    out = _run([
        'bash', 'tools/dist_train.sh', CONFIG, '2', '--work-dir',
        str(work_dir), '--cfg-options', *_data_options(tiny_ann_file),
        'train_cfg.max_epochs=1'
    ], env)
    assert 'gloo' in out
    dist_state = safe_torch_load(str(work_dir / 'epoch_1.pth'))['state_dict']
    single = safe_torch_load(str(trained_work_dir / 'epoch_1.pth'))
    single_state = single['state_dict']
    # Rank 0 saves the unwrapped model: same keys (no "module." prefix) and
    # shapes as a single-process run.
    assert list(dist_state) == list(single_state)
    for key, value in single_state.items():
        assert dist_state[key].shape == value.shape, key
        assert torch.isfinite(dist_state[key].float()).all(), key


def test_config_runs_under_mmaction2_train_tool(tiny_ann_file, tool_env,
                                                tmp_path):
    import mmaction
    mm_train = osp.join(
        osp.dirname(mmaction.__file__), '.mim', 'tools', 'train.py')
    work_dir = tmp_path / 'mm'
    # Run from another directory: only the installed plugin and the
    # config's custom_imports bring lsta_mm in.
    env = dict(tool_env)
    env['PYTHONPATH'] = ''
    _run([
        PYTHON, mm_train, CONFIG, '--work-dir',
        str(work_dir), '--cfg-options', *_data_options(tiny_ann_file),
        'train_cfg.max_epochs=1'
    ], env, cwd=str(tmp_path))
    assert (work_dir / 'epoch_1.pth').exists()


def test_show_dir_points_to_the_skeleton_visualiser(run_tool, tmp_path):
    ckpt = tmp_path / 'model.pth'
    ckpt.write_bytes(b'PK')  # the flag is checked before the file is read
    code, out = run_tool(
        osp.join(REPO_ROOT, 'tools', 'test.py'),
        [CONFIG, str(ckpt), '--show-dir',
         str(tmp_path)])
    assert 'tools/visualize.py CONFIG CKPT INPUT' in str(code)
    assert 'Traceback' not in out
