"""Hand-checked multi-scale adjacency on a 4-joint path graph (Eq. 1-3)."""
import numpy as np
import pytest

from lsta_mm.utils import (SPATIAL_SCHEMES, decentralised_adjacency,
                           disentangled_adjacency, get_topology,
                           multiscale_adjacency, normalize_symmetric)

# 0 - 1 - 2 - 3, centre 0: hop distances are |i - j|.
PATH = dict(num_node=4, inward=[(1, 0), (2, 1), (3, 2)], center=0)
H = 0.5
T1, T2 = 1 / 3, 2 / 3

# MSDA's raw k-adjacency (before normalisation), written out by hand:
# 1 on the diagonal and at d == k, d / k for 0 < d < k.
MSDA_RAW = {
    0: np.eye(4),
    1: [[1, 1, 0, 0], [1, 1, 1, 0], [0, 1, 1, 1], [0, 0, 1, 1]],
    2: [[1, H, 1, 0], [H, 1, H, 1], [1, H, 1, H], [0, 1, H, 1]],
    3: [[1, T1, T2, 1], [T1, 1, T1, T2], [T2, T1, 1, T1], [1, T2, T1, 1]],
}
# MS-G3D's disentangled k-adjacency: 1 at d == k, plus I.
MSGCN_RAW = {
    0: np.eye(4),
    1: MSDA_RAW[1],
    2: [[1, 0, 1, 0], [0, 1, 0, 1], [1, 0, 1, 0], [0, 1, 0, 1]],
    3: [[1, 0, 0, 1], [0, 1, 0, 0], [0, 0, 1, 0], [1, 0, 0, 1]],
}
# D^-1/2 (A + I) D^-1/2 of the path: degrees 2, 3, 3, 2.
S6, S9, S4 = 1 / np.sqrt(6), 1 / 3, 1 / 2
NORM_A1 = np.array([[S4, S6, 0, 0], [S6, S9, S9, 0], [0, S9, S9, S6],
                    [0, 0, S6, S4]])


def test_raw_scales_match_hand_written():
    hop = get_topology(PATH).hop_distance()
    binary = get_topology(PATH).adjacency()
    for k in range(4):
        np.testing.assert_allclose(
            decentralised_adjacency(hop, k), MSDA_RAW[k], atol=1e-12)
        np.testing.assert_allclose(
            disentangled_adjacency(binary, k), MSGCN_RAW[k], atol=1e-12)


def test_normalisation_hand_value():
    # MSDA k=2, entry (0, 1): 0.5 / sqrt(deg0 * deg1), deg0 = 2.5, deg1 = 3.
    stack = multiscale_adjacency(PATH, 4, 'msda')
    assert stack[2, 0, 1] == pytest.approx(0.5 / np.sqrt(2.5 * 3), rel=1e-6)
    # k=3, entry (0, 3): both rows sum to 3.
    assert stack[3, 0, 3] == pytest.approx(1 / 3, rel=1e-6)
    # MS-GCN k=3: joints 1 and 2 have nobody at 3 hops -> only the self loop.
    msgcn = multiscale_adjacency(PATH, 4, 'ms-gcn')
    assert msgcn[3, 1, 1] == pytest.approx(1.)
    assert msgcn[3, 0, 3] == pytest.approx(0.5)


@pytest.mark.parametrize('num_scales', [1, 2, 4])
@pytest.mark.parametrize('scheme', SPATIAL_SCHEMES)
def test_multiscale_stack(scheme, num_scales):
    stack = multiscale_adjacency(PATH, num_scales, scheme)
    assert stack.shape == (num_scales, 4, 4)
    assert stack.dtype == np.float32
    assert np.isfinite(stack).all()
    np.testing.assert_allclose(stack, stack.transpose(0, 2, 1), atol=1e-6)
    # k = 0 is the identity for every scheme: K = 1 ignores the graph.
    np.testing.assert_allclose(stack[0], np.eye(4), atol=1e-7)
    if num_scales == 1:
        return
    # k = 1 is the normalised A + I for every scheme (Eq. 2's remark).
    np.testing.assert_allclose(stack[1], NORM_A1, atol=1e-6)
    for k in range(2, num_scales):
        if scheme == 'gcn':
            expected = np.linalg.matrix_power(NORM_A1, k)
        else:
            raw = MSDA_RAW[k] if scheme == 'msda' else MSGCN_RAW[k]
            expected = normalize_symmetric(raw)
        np.testing.assert_allclose(stack[k], expected, atol=1e-6)


def test_schemes_differ_beyond_one_hop():
    stacks = {s: multiscale_adjacency(PATH, 4, s) for s in SPATIAL_SCHEMES}
    for a in SPATIAL_SCHEMES:
        for b in SPATIAL_SCHEMES:
            if a != b:
                assert not np.allclose(stacks[a][2:], stacks[b][2:])


@pytest.mark.parametrize('layout,num_node', [('nturgb+d', 25),
                                             ('openpose', 18), ('coco', 17)])
@pytest.mark.parametrize('scheme', SPATIAL_SCHEMES)
def test_named_layouts(layout, num_node, scheme):
    # K = 12 exceeds coco's diameter: far scales must stay finite.
    stack = multiscale_adjacency(layout, 12, scheme)
    assert stack.shape == (12, num_node, num_node)
    assert np.isfinite(stack).all()
    np.testing.assert_allclose(stack, stack.transpose(0, 2, 1), atol=1e-6)
    # MS-GCN's disentangled scale agrees with the hop-distance definition.
    if scheme == 'ms-gcn':
        hop = get_topology(layout).hop_distance()
        raw = (hop == 3) | np.eye(num_node, dtype=bool)
        np.testing.assert_allclose(
            stack[3], normalize_symmetric(raw.astype(float)), atol=1e-6)


def test_star_graph_scale_adaptive_values():
    # joints 1 and 2 are two hops apart through the centre 0.
    graph = dict(num_node=3, inward=[(1, 0), (2, 0)], center=0)
    hop = get_topology(graph).hop_distance()
    assert decentralised_adjacency(hop, 1)[1, 2] == 0
    assert decentralised_adjacency(hop, 2)[1, 2] == 1
    assert decentralised_adjacency(hop, 3)[1, 2] == pytest.approx(2 / 3)
    assert decentralised_adjacency(hop, 3)[0, 1] == pytest.approx(1 / 3)


@pytest.mark.parametrize('kwargs,match', [
    (dict(num_scales=0), 'num_scales'),
    (dict(num_scales=2, scheme='powers'), 'unknown spatial scheme'),
])
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        multiscale_adjacency('coco', **kwargs)
