"""The shipped multi-stream configs (configs/*_3s.py, *_4s.py) build from
the config alone, feed the streams their model lists, and train."""
import glob
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.dataset import Compose, pseudo_collate
from mmengine.optim import build_optim_wrapper

import lsta_mm  # noqa: F401
from lsta_mm.engine.checkpoint_check import config_streams
from lsta_mm.registry import MODELS

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__)))))
CONFIGS = sorted(
    glob.glob(osp.join(ROOT, 'configs', '*_3s.py')) +
    glob.glob(osp.join(ROOT, 'configs', '*_4s.py')))
PAPER = ['joint', 'bone', 'joint_motion']


def load(path):
    from mmaction.utils import register_all_modules
    register_all_modules()
    return Config.fromfile(path)


def test_every_dataset_has_3s_and_4s():
    names = {osp.basename(p) for p in CONFIGS}
    for data in ('demo', 'ntu60_xsub', 'ntu60_xview', 'ntu120_xsub',
                 'ntu120_xset', 'kinetics'):
        assert {f'lsta_{data}_3s.py', f'lsta_{data}_4s.py'} <= names


@pytest.mark.parametrize('path', CONFIGS, ids=osp.basename)
def test_streams_share_the_joint_architecture_and_the_pipeline(path):
    cfg = load(path)
    joint = load(path.replace('_3s.py', '_joint.py').replace(
        '_4s.py', '_joint.py'))
    streams = PAPER if path.endswith('_3s.py') else PAPER + ['bone_motion']
    assert cfg.model.type == 'MultiStreamRecognizer'
    assert [s.stream for s in cfg.model.streams] == streams
    for spec in cfg.model.streams:
        assert spec.model == joint.model  # one architecture per stream
        assert 'checkpoint' not in spec  # built from the config alone
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        step = cfg[loader].dataset.pipeline[0]
        assert step.type == 'SkeletonStream' and step.stream == streams
        assert step.layout == joint[loader].dataset.pipeline[0].layout
    assert config_streams(cfg) == tuple(streams)
    assert [e['type'] for e in cfg.test_evaluator] == [
        'AccMetric', 'StreamAccMetric'
    ]
    model = MODELS.build(cfg.model)
    assert model.stream_names == streams


def test_paper_three_stream_model_has_three_times_the_parameters():
    """Table 1: 3.1M for the three streams (our joint model: 1.0M)."""
    count = lambda m: sum(p.numel() for p in m.parameters())  # noqa: E731
    three = MODELS.build(load(osp.join(ROOT, 'configs',
                                       'lsta_ntu60_xsub_3s.py')).model)
    joint = MODELS.build(load(osp.join(ROOT, 'configs',
                                       'lsta_ntu60_xsub_joint.py')).model)
    assert count(three) == 3 * count(joint)
    assert 2.9e6 < count(three) < 3.2e6


def test_demo_3s_trains_and_tests_a_step():
    cfg = load(osp.join(ROOT, 'configs', 'lsta_demo_3s.py'))
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.init_weights()
    rng = np.random.default_rng(0)

    def samples(pipeline):
        return pseudo_collate([
            Compose(pipeline)(
                dict(
                    frame_dir=f'S001C001P001R001A00{i + 1}',
                    label=i,
                    total_frames=frames,
                    keypoint=rng.normal(size=(1, frames, 25, 3)).astype(
                        np.float32))) for i, frames in enumerate((40, 90))
        ])

    optim = build_optim_wrapper(model, cfg.optim_wrapper)
    losses = model.train_step(
        samples(cfg.train_dataloader.dataset.pipeline), optim)
    assert torch.isfinite(losses['loss'])
    assert {f'{s}.loss_cls' for s in PAPER} <= set(losses)
    model.eval()
    with torch.no_grad():
        results = model.test_step(
            samples(cfg.test_dataloader.dataset.pipeline))
    num_classes = cfg.model.streams[0].model.cls_head.num_classes
    for result in results:
        assert result.pred_score.shape == (num_classes, )
        assert set(result.stream_scores) == set(PAPER)
