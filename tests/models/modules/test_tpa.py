"""TPA / ATPA (Eq. 4-5) and the MS-TCN baseline: strides, receptive field."""
import math

import pytest
import torch

import lsta_mm  # noqa: F401
from lsta_mm.models.modules import (ATPA, MAM, TPA, ResidualMSTCN,
                                    TemporalAvgPool)

TEMPORAL = [TPA, ATPA, ResidualMSTCN]


@pytest.mark.parametrize('module', TEMPORAL)
@pytest.mark.parametrize('stride', [1, 2, 3])
@pytest.mark.parametrize('num_frames', [1, 7, 16])
@pytest.mark.parametrize('in_channels', [6, 12])
def test_shape_and_stride(module, stride, num_frames, in_channels):
    layer = module(in_channels, 12, stride=stride)
    out = layer(torch.randn(2, in_channels, num_frames, 5))
    assert out.shape == (2, 12, math.ceil(num_frames / stride), 5)


@pytest.mark.parametrize('module', TEMPORAL)
@pytest.mark.parametrize('stride', [1, 2])
def test_gradients_reach_every_parameter(module, stride, check_gradients):
    layer = module(6, 12, stride=stride)
    layer(torch.randn(2, 6, 9, 5)).square().mean().backward()
    check_gradients(layer)


def test_receptive_field_grows_with_fragment_index():
    """A unit impulse reaches 1 + 2 * sum(dilations[:s]) frames (Eq. 4)."""
    torch.manual_seed(0)
    tpa = TPA(12, 12, num_fragments=6, residual=False,
              act_cfg=dict(type='LeakyReLU', negative_slope=0.1)).eval()
    t0, num_frames = 32, 64
    widths = []
    for index in range(6):
        x = torch.zeros(1, 12, num_frames, 3, requires_grad=True)
        out = tpa(x)
        # output of fragment `index` at frame t0 <- which input frames?
        out[:, 2 * index:2 * index + 2, t0].sum().backward()
        frames = (x.grad.abs().sum(dim=(0, 1, 3)) > 0).nonzero().flatten()
        reach = sum(range(1, index + 2))  # dilations 1..s, kernel 3
        assert frames.tolist() == list(range(t0 - reach, t0 + reach + 1))
        widths.append(len(frames))
    assert widths == sorted(widths) and len(set(widths)) == 6


def test_stride_pools_then_runs_the_pyramid():
    torch.manual_seed(0)
    strided = TPA(6, 12, stride=2).eval()
    plain = TPA(6, 12, stride=1).eval()
    plain.load_state_dict(strided.state_dict())
    x = torch.randn(2, 6, 9, 5)
    pooled = torch.nn.functional.avg_pool2d(
        x, (2, 1), (2, 1), ceil_mode=True)
    torch.testing.assert_close(strided(x), plain(pooled))


@pytest.mark.parametrize('num_frames', [1, 2, 5, 8])
@pytest.mark.parametrize('stride', [1, 2, 3])
def test_temporal_avg_pool_matches_avg_pool2d(num_frames, stride):
    x = torch.randn(2, 3, num_frames, 4)
    expected = torch.nn.functional.avg_pool2d(
        x, (stride, 1), (stride, 1), ceil_mode=True)
    torch.testing.assert_close(TemporalAvgPool(stride)(x), expected)


def test_atpa_is_tpa_then_mam():
    """'output': MAM re-weights TPA's whole output (the literal reading)."""
    atpa = ATPA(6, 12, stride=2, attention_position='output',
                mam_cfg=dict(kernel_size=3, pooling='avg'))
    assert isinstance(atpa.tpa, TPA) and isinstance(atpa.mam, MAM)
    assert atpa.mam.kernel_size == 3 and atpa.mam.pooling == 'avg'
    x = torch.randn(2, 6, 10, 17)
    torch.testing.assert_close(atpa(x), atpa.mam(atpa.tpa(x)))


def test_atpa_branch_attention_leaves_the_identity_path_unscaled():
    """'branch' (default): MAM re-weights the pyramid before the residual
    sum, so with gates near 0 the module passes its input through."""
    torch.manual_seed(0)
    atpa = ATPA(12, 12).eval()
    assert atpa.attention_position == 'branch'
    x = torch.randn(2, 12, 10, 17).relu()
    branch, res = atpa.tpa.pyramid(x)
    gates = atpa.mam.attention(branch)
    torch.testing.assert_close(atpa(x), (branch * gates + res).relu())
    assert not torch.allclose(atpa(x), atpa.mam(atpa.tpa(x)))
    with torch.no_grad():
        atpa.mam.weight.fill_(-50.0)  # every gate closed
    torch.testing.assert_close(atpa(x), x)
    with torch.no_grad():
        atpa.mam.weight.fill_(50.0)  # every gate open: plain TPA
    torch.testing.assert_close(atpa(x), atpa.tpa(x))


def test_zero_init_branch_starts_as_identity():
    torch.manual_seed(0)
    tpa = TPA(12, 12, zero_init_branch=True)
    x = torch.randn(2, 12, 10, 17).relu()
    assert not torch.allclose(tpa(x), x)  # before init_weights
    tpa.init_weights()
    torch.testing.assert_close(tpa(x), x)
    assert all((f.bn.weight == 0).all() for f in tpa.fragments)
    tpa(x).square().sum().backward()
    assert all(f.bn.weight.grad.abs().sum() > 0 for f in tpa.fragments)


def test_fragment_act_makes_each_fragment_output_an_activation():
    """Res2Net's reading: act(conv(X_s + X_{s-1}^temp)) inside the
    hierarchy; without it every fragment output is a norm's output."""
    torch.manual_seed(0)
    x = torch.randn(2, 12, 10, 5)
    plain = TPA(12, 12, num_fragments=3, residual=False).eval()
    res2net = TPA(12, 12, num_fragments=3, residual=False,
                  fragment_act=True).eval()
    res2net.load_state_dict(plain.state_dict())
    branch, _ = res2net.pyramid(x)
    assert (branch >= 0).all() and (branch > 0).any()
    plain_branch, _ = plain.pyramid(x)
    assert (plain_branch < 0).any()
    # the first fragment is the plain one, rectified
    torch.testing.assert_close(branch[:, :4], plain_branch[:, :4].relu())
    # later fragments differ beyond rectification: the carry is rectified
    assert not torch.allclose(branch[:, 4:], plain_branch[:, 4:].relu())


def test_carry_act_rectifies_only_what_is_passed_on():
    """``fragment_act='carry'``: X_s^temp = conv(X_s + act(X_{s-1}^temp)).
    Each fragment's output stays a (signed) norm output; the next fragment
    sees it rectified."""
    torch.manual_seed(0)
    x = torch.randn(2, 12, 10, 5)
    plain = TPA(12, 12, num_fragments=3, residual=False).eval()
    carry = TPA(12, 12, num_fragments=3, residual=False,
                fragment_act='carry').eval()
    carry.load_state_dict(plain.state_dict())
    assert len(carry.fragment_acts) == 2  # the last passes nothing on
    branch, _ = carry.pyramid(x)
    plain_branch, _ = plain.pyramid(x)
    assert (branch < 0).any()
    # the first fragment is the plain one, untouched
    torch.testing.assert_close(branch[:, :4], plain_branch[:, :4])
    # the second: its conv on its own slice plus the rectified first output
    fragments = carry.transform(x).split(4, dim=1)
    expected = carry.fragments[1](fragments[1] + branch[:, :4].relu())
    torch.testing.assert_close(branch[:, 4:8], expected)
    assert not torch.allclose(branch[:, 4:], plain_branch[:, 4:])
    # gradients flow through both paths of every fragment
    x.requires_grad_(True)
    carry.train()
    carry(x).sum().backward()
    assert all(f.conv.weight.grad.abs().sum() > 0 for f in carry.fragments)


def test_fragment_act_must_be_a_known_mode():
    with pytest.raises(ValueError, match='fragment_act must be one of'):
        TPA(12, 12, fragment_act='before')


def test_fragment_options():
    tpa = TPA(24, 24, num_fragments=4, dilations=(1, 1, 2, 2))
    assert len(tpa.fragments) == 4 and tpa.fragment_channels == 6
    assert [f.conv.dilation[0] for f in tpa.fragments] == [1, 1, 2, 2]
    assert TPA(24, 24, num_fragments=8).dilations == tuple(range(1, 9))
    # MS-TCN (mmaction2's mstcn + shortcut) is the heavier module (Table 5)
    count = lambda m: sum(p.numel() for p in m.parameters())  # noqa: E731
    assert count(ResidualMSTCN(72, 72)) > count(TPA(72, 72))


def test_residual_paths():
    assert isinstance(TPA(12, 12).residual, torch.nn.Identity)
    assert TPA(12, 12, residual=False).residual is None
    assert TPA(6, 12).residual[0].weight.shape == (12, 6, 1, 1)
    # a strided MS-TCN pools its shortcut; same channels need no weights
    assert isinstance(ResidualMSTCN(12, 12, stride=2).residual,
                      TemporalAvgPool)


@pytest.mark.parametrize('kwargs,match', [
    (dict(out_channels=10, num_fragments=6), 'divisible'),
    (dict(out_channels=12, num_fragments=0), 'divisible'),
    (dict(out_channels=12, dilations=(1, 2)), 'one positive dilation'),
    (dict(out_channels=12, stride=0), 'stride'),
])
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        TPA(12, **kwargs)


def test_atpa_rejects_unknown_attention_position():
    with pytest.raises(ValueError, match='attention_position'):
        ATPA(12, 12, attention_position='residual')


def _relu_input():
    torch.manual_seed(0)
    y = torch.randn(4, 6, 10, 5)
    y[0, 0, 0, 0] = 0.0  # relu's kink: no gradient, as nn.ReLU gives
    return y


def _assert_same_as_relu_keeping_a_mask(ours, reference, *inputs):
    """``ours`` and ``reference`` agree in values and in the gradients of
    every input; ``ours`` keeps only a boolean mask for its backward."""
    leaves1 = [t.clone().requires_grad_() for t in inputs]
    leaves2 = [t.clone().requires_grad_() for t in inputs]
    # `* 1.0`: non-leaf inputs, which an in-place helper may overwrite
    out1 = ours(*[leaf * 1.0 for leaf in leaves1])
    out2 = reference(*[leaf * 1.0 for leaf in leaves2])
    assert torch.equal(out1, out2)
    (saved, ) = out1.grad_fn.saved_tensors
    assert saved.dtype == torch.bool
    grad = torch.randn_like(out1)
    out1.backward(grad)
    out2.backward(grad)
    for leaf1, leaf2 in zip(leaves1, leaves2):
        assert torch.equal(leaf1.grad, leaf2.grad)


def test_add_relu_matches_relu_and_keeps_only_a_mask():
    from lsta_mm.models.modules.utils import add_relu
    y = _relu_input()
    x = torch.randn_like(y)
    _assert_same_as_relu_keeping_a_mask(
        add_relu, lambda a, b: a + torch.nn.ReLU()(b), x, y)
    with torch.no_grad():
        assert torch.equal(add_relu(x, y), x + y.clamp_min(0))


def test_relu_keeping_mask_matches_inplace_relu_and_keeps_only_a_mask():
    from lsta_mm.models.modules.utils import relu_keeping_mask
    y = _relu_input()
    _assert_same_as_relu_keeping_a_mask(relu_keeping_mask,
                                        torch.nn.ReLU(inplace=True), y)
    inner = y.clone()
    assert relu_keeping_mask(inner) is inner  # in place, also without grad
    assert torch.equal(inner, y.clamp_min(0))


def test_transform_unchanged_by_the_memory_saving_path():
    """TPA's transform through relu_keeping_mask equals the same module
    with its ReLU hidden in a Sequential (the plain nn.ReLU path), and its
    backward no longer keeps the transform's float output."""
    torch.manual_seed(0)
    tpa = TPA(24, 24).train()
    x = torch.randn(2, 24, 12, 5)
    out = tpa(x)
    out.square().sum().backward()
    grads = [p.grad.clone() for p in tpa.parameters()]
    tpa.transform[2] = torch.nn.Sequential(tpa.transform[2])  # plain path
    tpa.zero_grad()
    again = tpa(x)
    again.square().sum().backward()
    assert torch.equal(out, again)
    for before, param in zip(grads, tpa.parameters()):  # float rounding
        assert torch.allclose(before, param.grad, rtol=1e-5, atol=1e-6)
    # what the transform's backward keeps: a mask, not its float output
    acts = []
    tpa.transform[2] = tpa.transform[2][0]
    tpa.transform[1].register_forward_hook(lambda m, i, o: acts.append(o))
    tpa(x)  # the norm's output, then rectified in place
    (saved, ) = acts[0].grad_fn.saved_tensors
    assert saved.dtype == torch.bool


def test_carry_pyramid_unchanged_by_the_memory_saving_path():
    """TPA(fragment_act='carry') through add_relu equals the same module
    with its ReLU replaced by one that add_relu does not recognise."""
    torch.manual_seed(0)
    tpa = TPA(24, 24, fragment_act='carry').train()
    x = torch.randn(2, 24, 12, 5)
    out = tpa(x)
    out.square().sum().backward()
    grads = [p.grad.clone() for p in tpa.parameters()]
    for index, act in enumerate(tpa.fragment_acts):
        tpa.fragment_acts[index] = torch.nn.Sequential(act)  # plain path
    tpa.zero_grad()
    again = tpa(x)
    again.square().sum().backward()
    assert torch.allclose(out, again, atol=1e-6)
    for before, param in zip(grads, tpa.parameters()):
        assert torch.allclose(before, param.grad, atol=1e-5)
