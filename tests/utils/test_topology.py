"""The one table of per-layout facts (lsta_mm/utils/topology.py)."""
import numpy as np
import pytest
import torch
from mmaction.utils import register_all_modules

import lsta_mm  # noqa: F401
from lsta_mm.datasets.transforms import SkeletonStream
from lsta_mm.registry import MODELS
from lsta_mm.utils import LAYOUTS, get_topology

register_all_modules()


@pytest.mark.parametrize('facts,match', [
    (dict(coord_dims=4), 'coord_dims must be 2 or 3'),
    (dict(spine_axis=(0, 1, 2)), 'two joints'),
    (dict(shoulder_axis=(0, 9)), r'joints \[9\] are outside'),
    (dict(top_joint=-1), 'outside'),
])
def test_custom_layout_facts_are_checked(facts, match):
    layout = dict(num_node=3, inward=[(1, 0), (2, 0)], center=0, **facts)
    with pytest.raises(ValueError, match=match):
        get_topology(layout)


def test_named_layout_facts():
    ntu = get_topology('nturgb+d')
    assert (ntu.coord_dims, ntu.spine_axis, ntu.shoulder_axis,
            ntu.top_joint, ntu.in_channels) == (3, (0, 1), (8, 4), 3, 3)
    for name in ('coco', 'openpose'):
        layout = get_topology(name)
        assert layout.coord_dims == 2 and layout.spine_axis is None
        assert layout.top_joint == 0 and layout.in_channels == 3  # + score


def test_a_layout_mmaction2_does_not_know_is_one_table_entry():
    """Halpe-26 lives only in LAYOUT_FACTS: streams, model and counts take
    it by name like mmaction2's own layouts."""
    layout = get_topology('halpe26')
    assert LAYOUTS['halpe26'] == layout.num_node == 26
    assert layout.center == 19 and layout.parents[19] == 19
    assert layout.parents[17] == 18 and layout.parents[25] == 16  # head, heel
    assert np.isfinite(layout.hop_distance()).all()  # one connected tree
    rng = np.random.default_rng(0)
    sample = dict(
        keypoint=rng.random((1, 30, 26, 2)).astype(np.float32),
        keypoint_score=np.ones((1, 30, 26), np.float32),
        total_frames=30)
    out = SkeletonStream('halpe26', stream='bone', clip_len=20)(sample)
    assert out['keypoint'].shape == (1, 2, 20, 26, 3)  # x, y, score
    model = MODELS.build(
        dict(
            type='RecognizerGCN',
            backbone=dict(
                type='LSTANet',
                graph_cfg=dict(layout='halpe26'),
                stage_channels=(12, 24),
                stage_strides=(1, 2)),
            cls_head=dict(type='GCNHead', num_classes=5, in_channels=24)))
    scores = model.extract_feat(
        torch.from_numpy(out['keypoint'])[None], stage='head')[0]
    assert scores.shape == (1, 5)
