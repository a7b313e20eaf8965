"""MAM (Eq. 6-7): channel weights in (0, 1) that depend on the input."""
import pytest
import torch
import torch.nn.functional as F

import lsta_mm  # noqa: F401
from lsta_mm.models.modules import MAM


@pytest.mark.parametrize('pooling', ['max', 'avg'])
@pytest.mark.parametrize('channels', [6, 72])
def test_shape_weights_and_gradients(pooling, channels, check_gradients):
    mam = MAM(pooling=pooling)
    x = torch.randn(3, channels, 7, 17)
    out = mam(x)
    assert out.shape == x.shape
    weights = mam.attention(x)
    assert weights.shape == (3, channels, 1, 1)
    assert (weights > 0).all() and (weights < 1).all()
    # a channel re-weighting: out / x is constant over T and V
    ratio = out / x
    torch.testing.assert_close(ratio, ratio[:, :, :1, :1].expand_as(ratio))
    out.square().sum().backward()
    check_gradients(mam)


def test_weights_depend_on_input():
    mam = MAM()
    a = mam.attention(torch.randn(1, 16, 5, 17))
    b = mam.attention(torch.randn(1, 16, 5, 17) * 3 + 1)
    assert not torch.allclose(a, b)


def test_max_and_avg_pooling_differ():
    torch.manual_seed(0)
    x = torch.randn(2, 16, 5, 17)
    mam_max, mam_avg = MAM(pooling='max'), MAM(pooling='avg')
    mam_avg.load_state_dict(mam_max.state_dict())
    assert not torch.allclose(mam_max.attention(x), mam_avg.attention(x))
    # the max descriptor sees only the strongest response per channel
    peak = x.clone()
    peak[:, :, 0, 0] += 100
    assert not torch.allclose(mam_max.attention(peak), mam_max.attention(x))


@pytest.mark.parametrize('kernel_size,dilations', [(5, (1, 2, 3)), (3, (1, )),
                                                   (7, (1, 2, 3, 4))])
def test_matches_parallel_dilated_convs(kernel_size, dilations):
    """Eq. (6)-(7) literally: sigmoid of each dilated conv, then the max."""
    mam = MAM(kernel_size=kernel_size, dilations=dilations)
    assert sum(p.numel() for p in mam.parameters()) == \
        kernel_size * len(dilations)
    x = torch.randn(2, 20, 4, 5)
    g = x.amax(dim=(2, 3)).unsqueeze(1)  # (N, 1, C)
    per_conv = [
        torch.sigmoid(
            F.conv1d(
                g,
                mam.weight[i].view(1, 1, -1),
                padding=d * (kernel_size // 2),
                dilation=d)) for i, d in enumerate(dilations)
    ]
    expected = torch.stack(per_conv).amax(dim=0).view(2, 20, 1, 1)
    torch.testing.assert_close(mam.attention(x), expected)


@pytest.mark.parametrize('kwargs,match', [
    (dict(kernel_size=4), 'odd'),
    (dict(dilations=()), 'dilations'),
    (dict(pooling='median'), 'pooling'),
])
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        MAM(**kwargs)


def test_neutral_start_weighs_every_channel_alike_then_learns():
    """Zero conv weights: every gate is sigmoid(0) = 0.5 whatever the input,
    even after a config initialiser ran; one SGD step makes the gates
    depend on the input."""
    torch.manual_seed(0)
    mam = MAM(neutral_start=True)
    x = torch.randn(4, 24, 6, 17) * 3
    mam.weight.data.normal_()  # what a config initialiser could leave
    mam.init_weights()
    torch.testing.assert_close(mam.attention(x),
                               torch.full((4, 24, 1, 1), 0.5))
    (mam(x) * torch.randn_like(x)).sum().backward()
    assert mam.weight.grad.abs().sum() > 0
    with torch.no_grad():
        mam.weight -= 0.1 * mam.weight.grad
    weights = mam.attention(x)
    assert weights.std() > 1e-4  # no longer the same for every channel
    random_start = MAM()  # the default: ECA's random start
    assert random_start.weight.abs().sum() > 0
    random_start.init_weights()
    assert random_start.weight.abs().sum() > 0


def test_gate_scale_two_starts_as_the_identity():
    """gate_scale=2 with a neutral start: every weight is exactly 1, so
    ATPA starts as its TPA; trained weights range over (0, 2)."""
    from lsta_mm.models.modules import ATPA
    x = torch.randn(2, 12, 6, 17).relu()
    mam = MAM(neutral_start=True, gate_scale=2.0)
    torch.testing.assert_close(mam(x), x)
    atpa = ATPA(
        12, 12,
        mam_cfg=dict(type='MAM', neutral_start=True,
                     gate_scale=2.0)).eval()
    torch.testing.assert_close(atpa(x), atpa.tpa(x))
    with torch.no_grad():
        mam.weight.fill_(50.0)
    assert torch.allclose(mam.attention(x), torch.tensor(2.0))
    with pytest.raises(ValueError, match='gate_scale'):
        MAM(gate_scale=0)
