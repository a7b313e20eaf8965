"""A training run SIGKILLed at any moment, or stopped by SIGTERM (a
scheduler's preemption) mid-epoch, resumes and ends bit-identical.

One work directory is killed four times in a row, each time at another
critical moment, and resumed with ``--resume`` (latest checkpoint) after
each kill. Another is preempted twice, inside an epoch and at its last
iteration. The final checkpoint must equal the uninterrupted run's
(``reference_run``): same seed, deterministic=True, dropout and random
frame sampling on, ``max_keep_ckpts=1``.
"""

from reliability_utils import (PYTHON, RELIABLE, assert_same_state,
                               data_options, free_port, load_state, run_tool,
                               train_losses)

from lsta_mm.compat import safe_torch_load
from lsta_mm.engine import PREEMPTED_EXIT_STATUS
from lsta_mm.engine.atomic_io import TMP_MARKER

SIGKILLED = -9  # subprocess returncode of a process killed by SIGKILL


def _train(work_dir, ann_file, env, kill=None, resume=True):
    env = dict(env)
    if kill is not None:
        env['LSTA_TEST_KILL'] = kill
    args = [PYTHON, 'tools/train.py', RELIABLE, '--work-dir', work_dir]
    if resume:
        args.append('--resume')
    args += ['--cfg-options', *data_options(ann_file)]
    if kill is None:
        status = 0
    elif kill.startswith('term:'):
        status = PREEMPTED_EXIT_STATUS
    else:
        status = SIGKILLED
    return run_tool(args, env, status)


def _last_checkpoint(work_dir):
    path = work_dir / 'last_checkpoint'
    return path.read_text() if path.exists() else None


def _temporaries(work_dir):
    return sorted(p.name for p in work_dir.iterdir() if TMP_MARKER in p.name)


def test_killed_runs_resume_to_the_uninterrupted_result(
        tmp_path, tiny_ann_file, plugin_env, reference_run):
    work_dir = tmp_path / 'killed'

    # 1. Killed while writing the very first checkpoint: nothing usable.
    _train(
        work_dir, tiny_ann_file, plugin_env, 'write:epoch_1.pth', resume=False)
    assert not (work_dir / 'epoch_1.pth').exists()
    assert _last_checkpoint(work_dir) is None
    (temporary, ) = _temporaries(work_dir)  # the half-written file
    assert temporary.startswith(f'.epoch_1.pth{TMP_MARKER}')

    # 2. --resume finds nothing, starts afresh; killed mid-epoch 2
    #    (iteration 4 of 3 per epoch). The half-written file is cleaned.
    _train(work_dir, tiny_ann_file, plugin_env, 'iter:4')
    assert _temporaries(work_dir) == []
    assert _last_checkpoint(work_dir) == str(work_dir / 'epoch_1.pth')

    # 3. Resumed from epoch 1; killed half-way through writing epoch 2.
    _train(work_dir, tiny_ann_file, plugin_env, 'write:epoch_2.pth')
    assert not (work_dir / 'epoch_2.pth').exists()
    assert len(_temporaries(work_dir)) == 1
    assert _last_checkpoint(work_dir) == str(work_dir / 'epoch_1.pth')

    # 4. Resumed from epoch 1; killed while `last_checkpoint` is replaced
    #    atomically: mmengine's own write already names epoch_2.pth, which
    #    is complete; epoch_1.pth was not pruned yet (max_keep_ckpts=1).
    _train(work_dir, tiny_ann_file, plugin_env, 'write:last_checkpoint')
    assert safe_torch_load(str(work_dir / 'epoch_2.pth'))['meta']['epoch'] == 2
    assert _last_checkpoint(work_dir) == str(work_dir / 'epoch_2.pth')
    assert (work_dir / 'epoch_1.pth').exists()

    # 5. Resumed from epoch 2, runs to the end.
    out = _train(work_dir, tiny_ann_file, plugin_env)
    assert 'resumed epoch: 2' in out
    assert _last_checkpoint(work_dir) == str(work_dir / 'epoch_3.pth')
    assert not (work_dir / 'epoch_1.pth').exists()  # pruned at last
    assert _temporaries(work_dir) == []

    assert_same_state(
        load_state(work_dir / 'epoch_3.pth'),
        load_state(reference_run / 'epoch_3.pth'))
    # the repeated epochs logged the same losses as the reference
    assert train_losses(work_dir) == train_losses(reference_run)


def _checkpoints(work_dir):
    return sorted(p.name for p in work_dir.glob('*.pth'))


def test_sigterm_saves_and_resumes_inside_the_epoch(tmp_path, tiny_ann_file,
                                                    plugin_env, reference_run):
    work_dir = tmp_path / 'preempted'

    # 1. SIGTERM before iteration 4 (the 2nd of epoch 2, 3 per epoch): the
    #    iteration finishes, 5 iterations are saved, the status is 75.
    out = _train(work_dir, tiny_ann_file, plugin_env, 'term:4', resume=False)
    assert 'Received SIGTERM: saved' in out
    assert 'Epoch(train) [2][2/3]' in out  # the signalled iteration ran
    assert 'Epoch(train) [2][3/3]' not in out  # and nothing after it
    saved = work_dir / 'preempted_iter_5.pth'
    assert _last_checkpoint(work_dir) == str(saved)
    meta = safe_torch_load(str(saved))['meta']
    assert (meta['epoch'], meta['iter']) == (1, 5)  # inside epoch 2
    assert _checkpoints(work_dir) == [
        'best_acc_top1_epoch_1.pth', 'epoch_1.pth', 'preempted_iter_5.pth'
    ]
    assert _temporaries(work_dir) == []

    # 2. Resumed inside epoch 2 (its 2 trained batches skipped); SIGTERM
    #    before its last iteration: saved at the epoch's end, before the
    #    epoch checkpoint and validation. The older preemption file goes.
    out = _train(work_dir, tiny_ann_file, plugin_env, 'term:5')
    assert 'skipping its first 2 batches' in out
    assert 'Epoch(train) [2][3/3]' in out  # the batch index of the original
    assert _last_checkpoint(work_dir) == str(work_dir / 'preempted_iter_6.pth')
    assert _checkpoints(work_dir) == [
        'best_acc_top1_epoch_1.pth', 'epoch_1.pth', 'preempted_iter_6.pth'
    ]

    # 3. Resumed at the end of epoch 2: no batch left, epoch 2 is saved and
    #    validated, epoch 3 runs; the regular checkpoint supersedes the
    #    preemption checkpoint, which is deleted.
    out = _train(work_dir, tiny_ann_file, plugin_env)
    assert 'skipping its first 3 batches' in out
    assert 'Epoch(val) [2]' in out
    assert _last_checkpoint(work_dir) == str(work_dir / 'epoch_3.pth')
    assert 'preempted_iter_6.pth' not in _checkpoints(work_dir)

    # weights, momentum and every logged loss as if never interrupted
    assert_same_state(
        load_state(work_dir / 'epoch_3.pth'),
        load_state(reference_run / 'epoch_3.pth'))
    assert train_losses(work_dir) == train_losses(reference_run)


def _dist_train(work_dir, ann_file, env, *flags, status=0):
    env = dict(env, PORT=str(free_port()), PYTHON=PYTHON)
    return run_tool([
        'bash', 'tools/dist_train.sh', RELIABLE, '2', '--work-dir', work_dir,
        *flags, '--cfg-options', *data_options(ann_file),
        'train_dataloader.batch_size=2', 'train_cfg.max_epochs=2'
    ], env, status)


def test_sigterm_to_one_rank_stops_both_and_resumes_exactly(
        tmp_path, tiny_ann_file, plugin_env):
    """2 CPU ranks (5 samples each, batch 2: 3 iterations per epoch). Only
    rank 1 gets SIGTERM: both stop after the same iteration. Each rank's
    generators and BatchNorm statistics (its own until the epoch's end)
    come back on resume."""
    reference, work_dir = tmp_path / 'reference', tmp_path / 'preempted'
    _dist_train(reference, tiny_ann_file, plugin_env)
    out = _dist_train(
        work_dir,
        tiny_ann_file,
        dict(plugin_env, LSTA_TEST_KILL='term:4', LSTA_TEST_KILL_RANK='1'),
        status=1)  # torchrun's own status; each worker's is 75
    # torchrun lists the workers it saw exit before it tore the rest down:
    # one or both, depending on which exit it polls first (both ranks save,
    # meet at a barrier and exit 75; the checkpoint below is the proof)
    assert out.count(f'exitcode  : {PREEMPTED_EXIT_STATUS} ') >= 1
    assert 'Received a stop request of another rank' in out  # rank 0 logs
    assert _last_checkpoint(work_dir) == str(work_dir / 'preempted_iter_5.pth')

    _dist_train(work_dir, tiny_ann_file, plugin_env, '--resume')
    assert_same_state(
        load_state(work_dir / 'epoch_2.pth'),
        load_state(reference / 'epoch_2.pth'))
    assert train_losses(work_dir) == train_losses(reference)
