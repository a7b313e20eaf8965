"""End to end: the demo config trains on a tiny generated dataset and is
evaluated with mmaction2's metrics through mmengine's Runner."""
import importlib.util
import os.path as osp

from mmengine.config import Config
from mmengine.runner import Runner

import lsta_mm  # noqa: F401

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))


def _generator():
    spec = importlib.util.spec_from_file_location(
        'gen_synthetic_ntu',
        osp.join(ROOT, 'tools', 'data', 'gen_synthetic_ntu.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_demo_trains_and_evaluates(tmp_path):
    ann_file = str(tmp_path / 'demo.pkl')
    _generator().main([
        '--out', ann_file, '--num-per-class', '3', '--min-frames', '20',
        '--max-frames', '30'
    ])
    cfg = Config.fromfile(osp.join(ROOT, 'configs', 'lsta_demo_joint.py'))
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        cfg[loader].dataset.ann_file = ann_file
        cfg[loader].batch_size = 8
    cfg.train_cfg.max_epochs = 1
    cfg.param_scheduler = []
    cfg.work_dir = str(tmp_path / 'work')
    cfg.default_hooks.checkpoint.save_best = None
    cfg.visualizer.vis_backends = []
    runner = Runner.from_cfg(cfg)
    runner.train()
    assert runner.iter == 2  # 13 training samples at batch 8
    metrics = runner.test()
    assert 0 <= metrics['acc/top1'] <= 1 and 'acc/mean1' in metrics
    assert osp.isfile(osp.join(cfg.work_dir, 'epoch_1.pth'))
