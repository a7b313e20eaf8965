"""Every shipped config resolves, is consistent and builds; representative
ones run a train and a test step on a random (1, 2, 16, V, C) batch."""
import glob
import os.path as osp
import re

import pytest
import torch
from mmaction.structures import ActionDataSample
from mmaction.utils import register_all_modules
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper

import lsta_mm  # noqa: F401
from lsta_mm.registry import MODELS, TRANSFORMS
from lsta_mm.utils.topology import get_topology

register_all_modules()

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIG_DIR = osp.join(ROOT, 'configs')
CONFIGS = sorted(
    osp.relpath(path, CONFIG_DIR)
    for path in glob.glob(osp.join(CONFIG_DIR, '**', '*.py'), recursive=True)
    if '_base_' not in path)
REPRESENTATIVE = [
    'lsta_ntu60_xsub_joint.py', 'lsta_kinetics_bone_motion.py',
    'lsta_custom_2d.py', 'lsta_demo_joint.py'
]
_MODELS = {}


def _model(cfg):
    key = repr(cfg.model)  # configs differing only in data share a model
    if key not in _MODELS:
        torch.manual_seed(0)
        _MODELS[key] = MODELS.build(cfg.model)
    return _MODELS[key]


def _pipelines(cfg):
    for name in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        dataset = cfg[name].dataset
        while 'dataset' in dataset:  # RepeatDataset and friends
            dataset = dataset.dataset
        yield name, dataset


def test_every_leaf_config_is_found():
    names = set(CONFIGS)
    for data in ('ntu60_xsub', 'ntu60_xview', 'ntu120_xsub', 'ntu120_xset',
                 'kinetics'):
        for stream in ('joint', 'bone', 'joint_motion', 'bone_motion'):
            assert f'lsta_{data}_{stream}.py' in names
    assert 'lsta_demo_joint.py' in names


@pytest.mark.parametrize('name', CONFIGS)
def test_config_resolves_and_builds(name):
    path = osp.join(CONFIG_DIR, name)
    text = open(path).read()
    assert '\t' not in text
    assert not re.search(r"""['"](/|[A-Za-z]:\\)""", text), 'absolute path'
    cfg = Config.fromfile(path)
    assert 'work_dir' not in cfg
    if cfg.model.type == 'MultiStreamRecognizer':
        # built from the config alone; every stream has the same head and
        # reads the same layout (tests/models/recognizers covers the rest)
        MODELS.build(cfg.model)
        first = cfg.model.streams[0].model
        layout = first.backbone.graph_cfg.layout
        num_classes = first.cls_head.num_classes
    else:
        model = _model(cfg)
        layout = cfg.model.backbone.graph_cfg.layout
        num_classes = cfg.model.cls_head.num_classes
        assert model.cls_head.num_classes == num_classes
    for loader, dataset in _pipelines(cfg):
        if 'layout' in dataset:  # lsta_mm's dataset states what it expects
            assert dataset.layout == layout, loader
            if num_classes is not None:
                assert dataset.num_classes == num_classes, loader
        for step in dataset.pipeline:
            TRANSFORMS.build(step)
            if step['type'] == 'SkeletonStream':
                assert step['layout'] == layout, loader
                assert step.get('test_mode', False) == (loader != 'train_'
                                                        'dataloader')


@pytest.mark.parametrize('name', REPRESENTATIVE)
def test_train_and_test_step(name):
    cfg = Config.fromfile(osp.join(CONFIG_DIR, name))
    model = _model(cfg)
    layout = cfg.model.backbone.graph_cfg.layout
    num_node = get_topology(layout).num_node
    channels = cfg.model.backbone.get('in_channels', 3)
    num_person = cfg.model.backbone.get('num_person', 2)
    num_classes = cfg.model.cls_head.num_classes
    inputs = [
        torch.randn(1, num_person, 16, num_node, channels) for _ in range(2)
    ]
    samples = [
        ActionDataSample().set_gt_label(label)
        for label in (0, num_classes - 1)
    ]
    data = dict(inputs=inputs, data_samples=samples)
    optim_wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    model.train()
    losses = model.train_step(data, optim_wrapper)
    assert torch.isfinite(losses['loss_cls'])
    model.eval()
    with torch.no_grad():
        results = model.test_step(data)
    assert len(results) == 2
    assert results[0].pred_score.shape == (num_classes, )
