"""What tools/train.py and tools/test.py add to any config (the helpers
of ``tools/_bootstrap.py``)."""
import os.path as osp
import sys

import pytest
from mmengine.config import Config

from lsta_mm.datasets import AnnotationError
from lsta_mm.engine import CheckpointMismatchError

sys.path.insert(
    0, osp.join(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))),
                'tools'))
from _bootstrap import (  # noqa: E402
    apply_reliability_hooks, busy_cores, choose_cpu_threads, resume_target,
    strict_load_allowance, user_errors)


def _mmaction_like_cfg(**hooks):
    default_hooks = dict(
        checkpoint=dict(type='CheckpointHook', interval=1, max_keep_ckpts=2))
    default_hooks.update(hooks)
    return Config(dict(default_hooks=default_hooks))


def test_plain_checkpoint_hook_becomes_atomic_and_hooks_are_added():
    cfg = _mmaction_like_cfg()
    apply_reliability_hooks(cfg)
    hooks = cfg.default_hooks
    assert hooks.checkpoint == dict(
        type='mmaction.AtomicCheckpointHook', interval=1, max_keep_ckpts=2)
    assert hooks.strict_load.type == 'mmaction.StrictLoadHook'
    assert hooks.epoch_seed.type == 'mmaction.EpochSeedHook'
    assert strict_load_allowance(cfg) == ()


def test_config_choices_are_kept():
    cfg = _mmaction_like_cfg(
        strict_load=dict(type='StrictLoadHook', allow_mismatch=['^head']),
        epoch_seed=None)
    apply_reliability_hooks(cfg)
    assert 'epoch_seed' not in cfg.default_hooks  # None removes it
    assert strict_load_allowance(cfg) == ('^head', )


def test_resume_target(tmp_path):
    cfg = Config(dict(work_dir=str(tmp_path), resume=True, load_from=None))
    assert resume_target(cfg) is None  # nothing saved yet: start afresh
    (tmp_path / 'last_checkpoint').write_text(str(tmp_path / 'epoch_2.pth'))
    with pytest.raises(FileNotFoundError, match='epoch_2.pth, which does'):
        resume_target(cfg)
    (tmp_path / 'epoch_2.pth').write_bytes(b'x')
    assert resume_target(cfg) == str(tmp_path / 'epoch_2.pth')
    cfg.load_from = 'given.pth'
    assert resume_target(cfg) == 'given.pth'


def test_resume_target_in_a_copied_work_dir(tmp_path):
    original, copy = tmp_path / 'run', tmp_path / 'copy'
    for folder in (original, copy):
        folder.mkdir()
        (folder / 'epoch_2.pth').write_bytes(b'x')
        # mmengine writes the path the run saw: the original's
        (folder / 'last_checkpoint').write_text(str(original / 'epoch_2.pth'))
    cfg = Config(dict(work_dir=str(copy), resume=True, load_from=None))
    assert resume_target(cfg) == str(copy / 'epoch_2.pth')
    (copy / 'epoch_2.pth').unlink()  # e.g. CheckpointHook.out_dir elsewhere
    assert resume_target(cfg) == str(original / 'epoch_2.pth')


def test_user_errors_cover_checkpoints_and_annotations():
    errors = user_errors()
    assert CheckpointMismatchError in errors
    assert AnnotationError in errors
    assert not issubclass(KeyError, errors)


def test_resume_target_after_a_kill_inside_the_pointer_write(tmp_path):
    for name in ('epoch_2.pth', 'epoch_10.pth', 'best_acc_epoch_11.pth'):
        (tmp_path / name).write_bytes(b'x')
    (tmp_path / 'last_checkpoint').write_text('')  # truncated, not written
    cfg = Config(dict(work_dir=str(tmp_path), resume=True, load_from=None))
    assert resume_target(cfg) == str(tmp_path / 'epoch_10.pth')


@pytest.mark.parametrize(
    'environ,cores,load,threads,why',
    [
        ({}, 2, 0.1, 2, '2 core(s) available, 0 busy'),
        # another job keeps a core busy: one thread, not two competing
        ({}, 2, 1.2, 1, '1 busy with other work (now: 1.2)'),
        # busier than the machine: still one thread
        ({}, 2, 7.0, 1, '1 busy'),
        # four torchrun processes on 16 free cores: four threads each
        ({
            'LOCAL_WORLD_SIZE': '4'
        }, 16, 0.0, 4, '4 process(es) of this job'),
        ({
            'SLURM_NTASKS_PER_NODE': '8(x2)'
        }, 16, 0.0, 2, '8 process(es)'),
        # the user's choice wins
        ({
            'OMP_NUM_THREADS': '3',
            'LOCAL_WORLD_SIZE': '4'
        }, 2, 5.0, 3, 'OMP_NUM_THREADS'),
        ({
            'OMP_NUM_THREADS': ''
        }, 4, 0.0, 4, '4 core(s)'),
    ])
def test_cpu_threads_follow_cores_processes_and_load(environ, cores, load,
                                                     threads, why):
    chosen, reason = choose_cpu_threads(environ, cores=cores, load=load)
    assert chosen == threads
    assert why in reason


def test_train_tool_prints_and_applies_its_thread_choice(
        run_tool, monkeypatch, tiny_ann_file, tmp_path):
    import torch
    monkeypatch.setenv('OMP_NUM_THREADS', '1')
    before = torch.get_num_threads()
    root = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
    code, out = run_tool(
        osp.join(root, 'tools', 'train.py'), [
            osp.join(root, 'configs', 'lsta_demo_joint.py'), '--work-dir',
            str(tmp_path), '--cfg-options'
        ] + [
            f'{loader}.dataset.ann_file={tiny_ann_file}'
            for loader in ('train_dataloader', 'val_dataloader',
                           'test_dataloader')
        ] + ['train_cfg.max_epochs=1'])
    try:
        assert code == 0, out
        assert '[lsta_mm] CPU threads per process: 1 (set by ' \
            'OMP_NUM_THREADS)' in out
        assert torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(before)


def test_busy_cores_sees_a_spinning_process_now():
    import subprocess
    spinner = subprocess.Popen(
        [sys.executable, '-c', 'while True: pass'])
    try:
        import time
        time.sleep(0.3)  # let it start
        assert busy_cores(0.5) >= 0.6
    finally:
        spinner.kill()
        spinner.wait()
