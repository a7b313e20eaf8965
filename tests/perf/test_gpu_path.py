"""The CUDA path: AMP training, ``compile=True`` and DDP via dist_train.sh.

DDP runs the LSTA-Net demo config with ``--amp`` and two loader workers
through ``tools/dist_train.sh`` (torchrun, NCCL) and must finish its epochs.

Skipped without CUDA (the CPU machines of this project have none); run
``pytest tests/perf/test_gpu_path.py`` on a GPU machine.
"""
import math
import os
import os.path as osp
import subprocess
import sys

import pytest
import torch

import benchmark

REPO_ROOT = benchmark.ROOT
JOINT_CONFIG = osp.join(REPO_ROOT, 'configs', 'lsta_ntu60_xsub_joint.py')
# The LSTA-Net demo config (the paper's blocks at a third of the width);
# tests point it at the tiny generated pkl of tests/conftest.py.
DEMO_CONFIG = osp.join(REPO_ROOT, 'configs', 'lsta_demo_joint.py')

pytestmark = pytest.mark.skipif(
    not torch.cuda.is_available(), reason='needs a CUDA GPU')


@pytest.fixture(scope='module', autouse=True)
def registry():
    benchmark.setup_registry()


def test_amp_trains_lsta_without_nans():
    key, label, model_cfg = benchmark.resolve_model(f'lsta={JOINT_CONFIG}')
    runner = benchmark.Runner(key, label, model_cfg, 'cuda', True, 8, 100)
    from mmengine.optim import AmpOptimWrapper
    assert isinstance(runner.optim_wrapper, AmpOptimWrapper)
    runner.model.train()
    losses = []
    for _ in range(5):
        out = runner.model.train_step(runner.data, runner.optim_wrapper)
        losses.append(float(out['loss'].detach()))
    assert all(math.isfinite(v) for v in losses), losses
    for name, param in runner.model.named_parameters():
        assert torch.isfinite(param).all(), name


def test_benchmark_cuda_amp_end_to_end():
    results = benchmark.main([
        '--models', 'lsta', 'stgcnpp', '--T', '64', '--batch', '4',
        '--warmup', '1', '--repeats', '2', '--device', 'cuda', '--amp'
    ])
    entry = results['frames']['64']
    assert entry['lsta']['train_sps'] > 0
    assert entry['lsta']['train_mem_mib'] > 0  # max_memory_allocated


def _runner_from(config, work_dir, ann_file, extra):
    from mmengine.config import Config
    from mmengine.runner import Runner
    cfg = Config.fromfile(config)
    cfg.work_dir = str(work_dir)
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        cfg[loader].dataset.ann_file = ann_file
    cfg.merge_from_dict(extra)
    return Runner.from_cfg(cfg)


def test_compile_true_in_a_config_trains(tmp_path, tiny_ann_file):
    runner = _runner_from(
        DEMO_CONFIG, tmp_path, tiny_ann_file,
        dict(compile=True, train_cfg=dict(max_epochs=1, val_interval=1)))
    runner.train()
    assert osp.isfile(tmp_path / 'epoch_1.pth')


def test_dist_train_sh_runs_ddp_on_the_gpu(tmp_path, tiny_ann_file):
    env = dict(os.environ, OMP_NUM_THREADS='1', PYTHON=sys.executable,
               PORT='29531')
    options = [
        f'{loader}.dataset.ann_file={tiny_ann_file}'
        for loader in ('train_dataloader', 'val_dataloader',
                       'test_dataloader')
    ]
    result = subprocess.run([
        'bash',
        osp.join(REPO_ROOT, 'tools', 'dist_train.sh'), DEMO_CONFIG, '1',
        '--work-dir',
        str(tmp_path), '--amp', '--cfg-options', *options,
        'train_cfg.max_epochs=2', 'train_dataloader.num_workers=2',
        'train_dataloader.persistent_workers=True'
    ],
                            cwd=REPO_ROOT,
                            env=env,
                            capture_output=True,
                            text=True,
                            timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    assert osp.isfile(tmp_path / 'epoch_2.pth')
