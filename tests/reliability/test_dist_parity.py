"""2 CPU processes (gloo) x batch B == 1 process x batch 2B; distributed
evaluation counts every sample exactly once.

DefaultSampler gives rank r the indices r, r + 2, r + 4, ... of the same
seeded permutation, so the 2 x 3 samples of one distributed step are the 6
samples of the single-process step, and DDP averages the two half-batch
gradients into the full-batch gradient. tiny_gcn_parity.py removes what
would legitimately differ (random frame sampling, dropout, per-rank
BatchNorm statistics; see the config).
"""
import pickle

import pytest
import torch
from reliability_utils import (CONFIGS, PYTHON, data_options, free_port,
                               root_conftest, run_tool)

from lsta_mm.compat import safe_torch_load

PARITY = f'{CONFIGS}/tiny_gcn_parity.py'


@pytest.fixture(scope='module')
def parity_ann_file(tmp_path_factory):
    """12 training samples: two steps of 6 per epoch, no padding."""
    path = tmp_path_factory.mktemp('parity') / 'train12.pkl'
    with open(path, 'wb') as handle:
        pickle.dump(root_conftest().make_ntu_annotations(num_per_class=8),
                    handle)
    return path


@pytest.fixture(scope='module')
def single_run(tmp_path_factory, parity_ann_file, plugin_env_module):
    work_dir = tmp_path_factory.mktemp('single')
    run_tool([
        PYTHON, 'tools/train.py', PARITY, '--work-dir', work_dir,
        '--cfg-options', *data_options(parity_ann_file),
        'train_dataloader.batch_size=6'
    ], plugin_env_module)
    return work_dir


def _state(path):
    return safe_torch_load(str(path))['state_dict']


def test_two_processes_match_one_with_double_batch(tmp_path, single_run,
                                                   parity_ann_file,
                                                   plugin_env):
    work_dir = tmp_path / 'dist'
    env = dict(plugin_env, PORT=str(free_port()), PYTHON=PYTHON)
    out = run_tool([
        'bash', 'tools/dist_train.sh', PARITY, '2', '--work-dir', work_dir,
        '--cfg-options', *data_options(parity_ann_file),
        'train_dataloader.batch_size=3'
    ], env)
    assert 'gloo' in out
    single = _state(single_run / 'epoch_2.pth')  # after 4 steps
    dist = _state(work_dir / 'epoch_2.pth')
    start = _state(single_run / 'epoch_1.pth')
    assert list(dist) == list(single)
    moved = max(
        (single[k].double() - start[k].double()).abs().max() for k in single)
    assert moved > 1e-3  # the weights did train between the checkpoints
    for key, value in single.items():
        torch.testing.assert_close(
            dist[key], value, atol=1e-6, rtol=1e-5, msg=key)


def _dump(path):
    with open(path, 'rb') as handle:
        return pickle.load(handle)


def test_two_process_evaluation_counts_each_sample_once(
        tmp_path, single_run, tiny_ann_file, plugin_env):
    """9 validation samples on 2 ranks: the sampler pads rank 1 with a
    repeat of sample 0; it must not be counted."""
    checkpoint = single_run / 'epoch_2.pth'
    env = dict(plugin_env, PORT=str(free_port()), PYTHON=PYTHON)
    dist_out = run_tool([
        'bash', 'tools/dist_test.sh', PARITY, checkpoint, '2', '--work-dir',
        tmp_path / 'dist', '--dump', tmp_path / 'dist.pkl', '--cfg-options',
        *data_options(tiny_ann_file)
    ], env)
    single_out = run_tool([
        PYTHON, 'tools/test.py', PARITY, checkpoint, '--work-dir',
        tmp_path / 'single', '--dump', tmp_path / 'single.pkl',
        '--cfg-options', *data_options(tiny_ann_file)
    ], plugin_env)
    dist, single = _dump(tmp_path / 'dist.pkl'), _dump(tmp_path / 'single.pkl')
    assert [r['sample_idx'] for r in dist] == list(range(9))
    assert [r['frame_dir'] for r in dist] == [r['frame_dir'] for r in single]
    for ours, theirs in zip(dist, single):
        torch.testing.assert_close(ours['pred_score'], theirs['pred_score'])
    metric = [line for line in dist_out.splitlines() if 'acc/top1' in line]
    single_metric = [
        line for line in single_out.splitlines() if 'acc/top1' in line
    ]
    assert metric[-1].split('acc/top1:')[1].split()[:5] == \
        single_metric[-1].split('acc/top1:')[1].split()[:5]
