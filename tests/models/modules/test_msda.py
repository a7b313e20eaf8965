"""MSDA (Eq. 1-3): shapes, gradients, and the multi-scale aggregation."""
import pytest
import torch

import lsta_mm  # noqa: F401
from lsta_mm.models.modules import MSDA
from lsta_mm.utils import SPATIAL_SCHEMES, get_topology, multiscale_adjacency

LAYOUTS = [('coco', 17), ('nturgb+d', 25), ('openpose', 18)]


@pytest.mark.parametrize('layout,num_node', LAYOUTS)
@pytest.mark.parametrize('in_channels', [2, 3, 6])
@pytest.mark.parametrize('scheme', SPATIAL_SCHEMES)
def test_shape_and_gradients(layout, num_node, in_channels, scheme,
                             check_gradients):
    msda = MSDA(
        in_channels, 8, graph_cfg=dict(layout=layout), num_scales=3,
        scheme=scheme)
    x = torch.randn(2, in_channels, 5, num_node)
    out = msda(x)
    assert out.shape == (2, 8, 5, num_node)
    out.square().mean().backward()
    check_gradients(msda)


def test_adjacency_is_a_buffer():
    msda = MSDA(3, 6, graph_cfg=dict(layout='coco'), num_scales=4)
    assert msda.A.shape == (4, 17, 17)
    assert 'A' in dict(msda.named_buffers())
    assert all(p is not msda.A for p in msda.parameters())
    torch.testing.assert_close(
        msda.A, torch.from_numpy(multiscale_adjacency('coco', 4, 'msda')))


@pytest.mark.parametrize('scheme', SPATIAL_SCHEMES)
def test_matches_per_scale_sum(scheme):
    """One batched contraction equals sigma(sum_k A_k X W_k) (Eq. 3)."""
    k, c_in, c_out = 3, 4, 5
    msda = MSDA(c_in, c_out, graph_cfg=dict(layout='coco'), num_scales=k,
                scheme=scheme, residual=False).eval()
    with torch.no_grad():
        msda.A_offset.normal_(0, 0.1)  # a trained mask
    graph = msda.A + msda.A_offset
    x = torch.randn(2, c_in, 3, 17)
    weight = msda.conv.weight.view(c_out, k, c_in)  # (C', K, C)
    ref = sum(
        torch.einsum('nctv,vw,oc->notw', x, graph[i], weight[:, i])
        for i in range(k))
    ref = torch.relu(msda.norm(ref))
    torch.testing.assert_close(msda(x), ref, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize('scheme', ['msda', 'ms-gcn'])
@pytest.mark.parametrize('num_scales', [1, 2, 4])
def test_spatial_reach_is_k_minus_one_hops(scheme, num_scales):
    """Perturbing one joint changes exactly the joints < K hops away."""
    msda = MSDA(3, 4, graph_cfg=dict(layout='nturgb+d'),
                num_scales=num_scales, scheme=scheme, residual=False,
                adaptive=None,
                act_cfg=dict(type='LeakyReLU', negative_slope=0.1)).eval()
    x = torch.randn(1, 3, 2, 25, requires_grad=True)
    joint = 20  # spine shoulder, a hub
    msda(x)[..., joint].sum().backward()
    reached = (x.grad.abs().sum(dim=(0, 1, 2)) > 0).nonzero().flatten()
    hop = get_topology('nturgb+d').hop_distance()[joint]
    expected = (torch.from_numpy(hop) < num_scales).nonzero().flatten()
    assert reached.tolist() == expected.tolist()


def test_learnable_offset_mask():
    msda = MSDA(3, 4, graph_cfg=dict(layout='coco'), num_scales=3)
    assert msda.A_offset.shape == (3, 17, 17)
    assert msda.A_offset.abs().max() <= 1e-6  # starts as the fixed graph
    fixed = MSDA(3, 4, graph_cfg=dict(layout='coco'), num_scales=3,
                 adaptive=None)
    assert fixed.A_offset is None
    extra = sum(p.numel() for p in msda.parameters()) - sum(
        p.numel() for p in fixed.parameters())
    assert extra == 3 * 17 * 17
    with pytest.raises(ValueError, match='adaptive'):
        MSDA(3, 4, graph_cfg=dict(layout='coco'), adaptive='importance')


def test_changing_adjacency_changes_output():
    msda = MSDA(3, 4, graph_cfg=dict(layout='coco'), num_scales=2).eval()
    x = torch.randn(1, 3, 4, 17)
    before = msda(x)
    msda.A[1] = torch.eye(17)
    assert not torch.allclose(before, msda(x))


def test_schemes_give_different_outputs():
    x = torch.randn(1, 3, 4, 25)
    outs = []
    for scheme in SPATIAL_SCHEMES:
        torch.manual_seed(0)
        msda = MSDA(3, 4, graph_cfg=dict(layout='nturgb+d'), num_scales=4,
                    scheme=scheme).eval()
        outs.append(msda(x))
    assert not torch.allclose(outs[0], outs[1])
    assert not torch.allclose(outs[0], outs[2])


def test_user_edge_list():
    graph = dict(num_node=4, inward=[(1, 0), (2, 1), (3, 2)], center=0)
    msda = MSDA(2, 6, graph_cfg=dict(layout=graph), num_scales=3)
    assert msda(torch.randn(2, 2, 3, 4)).shape == (2, 6, 3, 4)


def test_residual_options():
    same = MSDA(6, 6, graph_cfg=dict(layout='coco'))
    assert isinstance(same.residual, torch.nn.Identity)
    none = MSDA(3, 6, graph_cfg=dict(layout='coco'), residual=False)
    assert none.residual is None
    proj = MSDA(3, 6, graph_cfg=dict(layout='coco'))
    assert proj.residual[0].weight.shape == (6, 3, 1, 1)


def test_bad_input_and_arguments():
    msda = MSDA(3, 6, graph_cfg=dict(layout='coco'))
    with pytest.raises(ValueError, match=r'expected \(N\*M, 3, T, 17\)'):
        msda(torch.randn(1, 3, 4, 25))
    with pytest.raises(ValueError, match='unknown scheme'):
        MSDA(3, 6, graph_cfg=dict(layout='coco'), scheme='agcn')
    with pytest.raises(ValueError, match='graph_cfg'):
        MSDA(3, 6, graph_cfg=dict(layout='coco', mode='spatial'))
