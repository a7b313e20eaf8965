"""LSTABlock (Eq. 8): MSDA then three ATPA; swappable parts."""
import pytest
import torch

import lsta_mm  # noqa: F401
from lsta_mm.models.modules import (ATPA, MSDA, TPA, LSTABlock, ResidualMSTCN,
                                    TemporalAvgPool)

GRAPH = dict(layout='coco')


@pytest.mark.parametrize('stride', [1, 2])
@pytest.mark.parametrize('in_channels', [2, 3, 6])
def test_shape_and_gradients(stride, in_channels, check_gradients):
    block = LSTABlock(in_channels, 12, graph_cfg=GRAPH, stride=stride,
                      spatial_cfg=dict(type='MSDA', num_scales=2))
    out = block(torch.randn(2, in_channels, 9, 17))
    assert out.shape == (2, 12, 9 if stride == 1 else 5, 17)
    out.square().mean().backward()
    check_gradients(block)


def test_structure_is_eq_8():
    block = LSTABlock(3, 12, graph_cfg=GRAPH, stride=2).eval()
    assert isinstance(block.spatial, MSDA)
    assert block.spatial.num_scales == 8 and block.spatial.scheme == 'msda'
    assert len(block.temporal) == 3
    assert all(isinstance(m, ATPA) for m in block.temporal)
    assert all(m.tpa.in_channels == 12 for m in block.temporal)
    # default: frames are averaged before MSDA, no temporal module strides
    assert isinstance(block.pool, TemporalAvgPool)
    assert [m.tpa.stride for m in block.temporal] == [1, 1, 1]
    x = torch.randn(2, 3, 8, 17)
    t = block.temporal
    torch.testing.assert_close(
        block(x), t[2](t[1](t[0](block.spatial(block.pool(x))))))


def test_stride_in_first_temporal_module():
    block = LSTABlock(3, 12, graph_cfg=GRAPH, stride=2,
                      stride_before_spatial=False).eval()
    assert block.pool is None
    assert [m.tpa.stride for m in block.temporal] == [2, 1, 1]
    x = torch.randn(2, 3, 8, 17)
    t = block.temporal
    torch.testing.assert_close(block(x), t[2](t[1](t[0](block.spatial(x)))))
    assert block(x).shape == (2, 12, 4, 17)
    # MSDA and the 1x1 transforms are per-frame linear maps: the two stride
    # placements share weights and shapes, and differ only through the
    # norm and activation that follow MSDA
    early = LSTABlock(3, 12, graph_cfg=GRAPH, stride=2).eval()
    early.load_state_dict(block.state_dict())
    assert early(x).shape == block(x).shape
    assert not torch.allclose(early(x), block(x))


@pytest.mark.parametrize('temporal_cfg,cls', [
    (dict(type='TPA', num_fragments=4), TPA),
    (dict(type='ResidualMSTCN'), ResidualMSTCN),
    (dict(type='ATPA', mam_cfg=dict(type='MAM', kernel_size=3)), ATPA),
])
def test_temporal_module_is_swappable(temporal_cfg, cls):
    block = LSTABlock(3, 12, graph_cfg=GRAPH, stride=2,
                      temporal_cfg=temporal_cfg)
    assert all(type(m) is cls for m in block.temporal)
    assert block(torch.randn(2, 3, 8, 17)).shape == (2, 12, 4, 17)


@pytest.mark.parametrize('scheme', ['msda', 'ms-gcn', 'gcn'])
def test_spatial_scheme_from_config(scheme):
    block = LSTABlock(
        3, 12, graph_cfg=GRAPH,
        spatial_cfg=dict(type='MSDA', num_scales=4, scheme=scheme))
    assert block.spatial.scheme == scheme and block.spatial.A.shape[0] == 4


def test_num_temporal_modules():
    block = LSTABlock(3, 12, graph_cfg=GRAPH, num_temporal_modules=1)
    assert len(block.temporal) == 1
    with pytest.raises(ValueError, match='num_temporal_modules'):
        LSTABlock(3, 12, graph_cfg=GRAPH, num_temporal_modules=0)
