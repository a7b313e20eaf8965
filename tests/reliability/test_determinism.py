"""randomness=dict(seed=S, deterministic=True): two CPU runs are identical.
"""
from reliability_utils import (PYTHON, RELIABLE, assert_same_state,
                               data_options, load_state, run_tool,
                               train_losses)


def test_two_runs_give_identical_losses_and_weights(tmp_path, tiny_ann_file,
                                                    plugin_env, reference_run):
    work_dir = tmp_path / 'again'
    run_tool([
        PYTHON, 'tools/train.py', RELIABLE, '--work-dir', work_dir,
        '--cfg-options', *data_options(tiny_ann_file)
    ], plugin_env)
    losses = train_losses(work_dir)
    assert len(losses) == 9  # 3 epochs x 3 iterations
    assert losses == train_losses(reference_run)
    assert len(set(losses.values())) > 1  # it does train
    assert_same_state(
        load_state(work_dir / 'epoch_3.pth'),
        load_state(reference_run / 'epoch_3.pth'))


def test_another_seed_gives_other_weights(tmp_path, tiny_ann_file, plugin_env,
                                          reference_run):
    """The comparison above can fail: the seed does reach the run."""
    work_dir = tmp_path / 'seed8'
    run_tool([
        PYTHON, 'tools/train.py', RELIABLE, '--work-dir', work_dir,
        '--cfg-options', *data_options(tiny_ann_file), 'randomness.seed=8',
        'train_cfg.max_epochs=1'
    ], plugin_env)
    ours = train_losses(work_dir)
    reference = train_losses(reference_run)
    assert len(ours) == 3
    assert all(ours[i] != reference[i] for i in ours)
