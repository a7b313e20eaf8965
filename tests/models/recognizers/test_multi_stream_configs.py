"""The shipped multi-stream configs (configs/*_4s.py) resolve and run."""
import glob
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.dataset import Compose, pseudo_collate

import lsta_mm  # noqa: F401
from lsta_mm.registry import MODELS

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__)))))
CONFIGS = sorted(glob.glob(osp.join(ROOT, 'configs', '*_4s.py')))
STREAMS = ['joint', 'bone', 'joint_motion', 'bone_motion']


def load(path):
    from mmaction.utils import register_all_modules
    register_all_modules()
    return Config.fromfile(path)


def test_configs_exist():
    names = [osp.basename(p) for p in CONFIGS]
    assert 'lsta_ntu60_xsub_4s.py' in names


@pytest.mark.parametrize('path', CONFIGS, ids=osp.basename)
def test_streams_reuse_the_joint_model_and_pipeline(path):
    cfg = load(path)
    joint = load(path.replace('_4s.py', '_joint.py'))
    assert cfg.model.type == 'MultiStreamRecognizer'
    assert [s.stream for s in cfg.model.streams] == STREAMS
    for spec in cfg.model.streams:
        assert spec.model == joint.model  # one architecture, four weights
        assert spec.checkpoint.endswith(spec.stream)  # the stream work_dir
    steps = [step['type'] for step in cfg.test_dataloader.dataset.pipeline]
    assert steps == ['KeyMapper', 'SkeletonStream', 'PackActionInputs']
    stream_step = cfg.test_dataloader.dataset.pipeline[1]
    assert stream_step.stream == 'joint' and stream_step.test_mode
    assert {'frame_inds', 'source_keypoint'} <= set(
        cfg.test_dataloader.dataset.pipeline[2].meta_keys)
    kinds = [e['type'] for e in cfg.test_evaluator]
    assert kinds == ['AccMetric', 'StreamAccMetric']


def test_missing_stream_checkpoint_is_named():
    cfg = load(osp.join(ROOT, 'configs', 'lsta_ntu60_xsub_4s.py'))
    with pytest.raises(FileNotFoundError,
                       match='work_dirs/lsta_ntu60_xsub_joint does not'):
        MODELS.build(cfg.model)


def test_demo_ensemble_runs_a_test_step():
    cfg = load(osp.join(ROOT, 'configs', 'lsta_demo_4s.py'))
    for spec in cfg.model.streams:
        spec.checkpoint = None  # random weights: only the plumbing counts
    torch.manual_seed(0)
    model = MODELS.build(cfg.model).eval()
    pipeline = Compose(cfg.test_dataloader.dataset.pipeline)
    rng = np.random.default_rng(0)
    samples = [
        pipeline(
            dict(
                frame_dir=f'S001C001P001R001A00{i}',
                label=i,
                total_frames=frames,
                keypoint=rng.normal(size=(2, frames, 25, 3)).astype(
                    np.float32))) for i, frames in enumerate((40, 90))
    ]
    with torch.no_grad():
        results = model.test_step(pseudo_collate(samples))
    num_classes = cfg.model.streams[0].model.cls_head.num_classes
    for result in results:
        assert result.pred_score.shape == (num_classes, )
        assert set(result.stream_scores) == set(STREAMS)
        fused = sum(spec.weight * result.stream_scores[spec.stream]
                    for spec in cfg.model.streams)
        torch.testing.assert_close(result.pred_score, fused)
