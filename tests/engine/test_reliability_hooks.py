"""AtomicCheckpointHook, EpochSeedHook and StrictLoadHook in a Runner."""
import mmap
import os.path as osp
import random

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.logging import MessageHub, MMLogger
from mmengine.runner import Runner

import lsta_mm  # noqa: F401
from lsta_mm.engine import (AtomicCheckpointHook, CheckpointMismatchError,
                            EpochSeedHook, compare_state_dicts)
from lsta_mm.engine.hooks.epoch_seed_hook import epoch_seed

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TINY = osp.join(REPO_ROOT, 'tests', 'fixtures', 'configs', 'tiny_gcn.py')


class _FakeRunner:
    """What CheckpointHook reads from a Runner, and a recording save."""

    max_epochs = 10
    iter = 0

    def __init__(self, work_dir):
        self.epoch = 0
        self.work_dir = str(work_dir)
        self.logger = MMLogger.get_instance('lsta_test_hooks')
        self.message_hub = MessageHub.get_instance('lsta_test_hooks')
        self.seen_at_save = []

    def save_checkpoint(self,
                        out_dir,
                        filename,
                        *args,
                        backend_args=None,
                        **kwargs):
        # what exists while the new checkpoint is being written
        last = osp.join(self.work_dir, 'last_checkpoint')
        self.seen_at_save.append(
            (sorted(p for p in _listdir(out_dir) if p.endswith('.pth')),
             open(last).read() if osp.exists(last) else None))
        with open(osp.join(out_dir, filename), 'wb') as handle:
            handle.write(b'ckpt')


def _listdir(folder):
    import os
    return os.listdir(folder)


def test_outdated_checkpoint_outlives_the_new_save(tmp_path):
    runner = _FakeRunner(tmp_path)
    hook = AtomicCheckpointHook(interval=1, max_keep_ckpts=1)
    hook.before_train(runner)
    for epoch in (0, 1):  # the ends of epochs 1 and 2
        runner.epoch = epoch
        hook.after_train_epoch(runner)
    # while epoch 2 was written, epoch 1 existed and was the one named
    assert runner.seen_at_save[1] == (['epoch_1.pth'],
                                      str(tmp_path / 'epoch_1.pth'))
    assert sorted(_listdir(tmp_path)) == ['epoch_2.pth', 'last_checkpoint']
    assert (tmp_path / 'last_checkpoint').read_text() == str(tmp_path /
                                                             'epoch_2.pth')
    assert runner.message_hub.get_info('keep_ckpt_ids') == [2]


def test_saves_only_when_due_and_keeps_the_window(tmp_path):
    runner = _FakeRunner(tmp_path)
    hook = AtomicCheckpointHook(interval=2, max_keep_ckpts=2)
    hook.before_train(runner)
    for epoch in range(6):
        runner.epoch = epoch
        hook.after_train_epoch(runner)
    # epochs 2, 4, 6 were due; the oldest left the window of two
    assert len(runner.seen_at_save) == 3
    assert sorted(_listdir(tmp_path)) == [
        'epoch_4.pth', 'epoch_6.pth', 'last_checkpoint'
    ]
    assert hook.max_keep_ckpts == 2  # mmengine's own clean-up is back on


def test_atomic_backend_is_the_default_only(tmp_path):
    assert AtomicCheckpointHook().backend_args == dict(
        backend='lsta_atomic_local')
    remote = dict(backend='petrel')
    assert AtomicCheckpointHook(backend_args=remote).backend_args == remote


class _SeedRunner:
    seed = 7
    epoch = 0


def test_epoch_seed_makes_state_independent_of_history():
    runner = _SeedRunner()
    hook = EpochSeedHook()
    draws = []
    for consumed in (0, 5):
        np.random.rand(consumed)
        torch.rand(consumed)
        random.random()
        runner.epoch = 3
        hook.before_train_epoch(runner)
        draws.append((np.random.rand(), torch.rand(1).item(), random.random()))
    assert draws[0] == draws[1]
    runner.epoch = 4
    hook.before_train_epoch(runner)
    assert np.random.rand() != draws[0][0]
    assert epoch_seed(7, 3) != epoch_seed(8, 3)


def test_compare_state_dicts_finds_every_kind_of_misfit():
    model = {'a.weight': torch.zeros(3, 2), 'b.bias': torch.zeros(3)}
    ckpt = {'module.a.weight': torch.zeros(5, 2), 'c.weight': torch.zeros(1)}
    mismatch = compare_state_dicts(model, ckpt)
    assert mismatch.missing == ['b.bias']
    assert mismatch.unexpected == ['c.weight']
    assert mismatch.shape == [('a.weight', (5, 2), (3, 2))]
    assert not compare_state_dicts(
        model, ckpt, allow_mismatch=('^a', 'b', 'c'))
    assert not compare_state_dicts(model, {
        f'module.{k}': v
        for k, v in model.items()
    })


@pytest.fixture
def tiny_cfg(tmp_path):
    from mmaction.utils import register_all_modules
    register_all_modules()
    cfg = Config.fromfile(TINY)
    cfg.work_dir = str(tmp_path / 'work')
    cfg.experiment_name = f'strict_{tmp_path.name}'
    return cfg


def _five_class_checkpoint(cfg, path):
    from mmaction.registry import MODELS
    model_cfg = cfg.model.copy()
    model_cfg.cls_head = dict(model_cfg.cls_head, num_classes=5)
    model = MODELS.build(model_cfg)
    torch.save({'state_dict': model.state_dict(), 'meta': {}}, path)
    return model


def test_strict_load_hook_refuses_and_allows_on_request(tiny_cfg, tmp_path):
    cfg = tiny_cfg
    path = tmp_path / 'five.pth'
    five = _five_class_checkpoint(cfg, path)
    runner = Runner.from_cfg(cfg)
    with pytest.raises(
            CheckpointMismatchError,
            match=r'cls_head\.fc\.weight: checkpoint \[5, 8\], '
            r'model \[3, 8\]'):
        runner.load_checkpoint(str(path))

    cfg.default_hooks.strict_load.allow_mismatch = [r'^cls_head\.']
    cfg.experiment_name += '_finetune'
    runner = Runner.from_cfg(cfg)
    runner.load_checkpoint(str(path))
    key = 'backbone.gcn.0.gcn.conv.weight'
    assert torch.equal(runner.model.state_dict()[key], five.state_dict()[key])


def test_resident_memory_hook_records_growth():
    from lsta_mm.engine import ResidentMemoryHook
    runner = _FakeRunner('.')
    runner.epoch = 0
    hook = ResidentMemoryHook()
    hook.after_train_epoch(runner)
    # 64 MiB of fresh pages, touched: an anonymous mapping never reuses
    # heap memory that is already resident (a numpy array can, under the
    # malloc settings the tools use)
    size = 64 * 2**20
    block = mmap.mmap(-1, size)
    block.write(b'\x01' * size)
    runner.epoch = 1
    hook.after_train_epoch(runner)
    (first_epoch, before), (second_epoch, after) = hook.records
    assert (first_epoch, second_epoch) == (1, 2)
    assert after - before > 48 * 2**20
    block.close()
