"""Small building helpers shared by the temporal modules (paper section 2.2).

``temporal_shortcut`` builds the residual path of a
temporal module that may change channels and divide T by its stride;
``add_relu`` is TPA's "add what the previous fragment passes on" and
``relu_keeping_mask`` its transform's rectifier, both with a lighter memory
footprint in training.
"""

import torch
import torch.nn as nn
from mmaction.utils import ConfigType
from mmcv.cnn import build_norm_layer
from mmengine.model import Sequential

__all__ = [
    'add_relu', 'relu_keeping_mask', 'temporal_shortcut', 'TemporalAvgPool'
]


class _AddReLU(torch.autograd.Function):
    """``x + relu(y)`` whose backward keeps a 1-byte mask of ``y > 0``
    instead of the 4-byte ``relu(y)`` that ``nn.ReLU`` saves."""

    @staticmethod
    def forward(ctx, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        positive = y > 0
        ctx.save_for_backward(positive)
        return x + y.clamp_min(0)

    @staticmethod
    def backward(ctx, grad: torch.Tensor):
        positive, = ctx.saved_tensors
        return grad, grad * positive


def add_relu(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """``x + relu(y)``, same values and gradients as
    ``x + nn.ReLU()(y)``; when gradients are recorded only a boolean mask
    of ``y`` is kept for the backward pass (a quarter of the memory of the
    activation), which matters in TPA, where every fragment but the last
    passes its rectified output on (measured: docs/benchmarks.md).

    Shape:
        x, y: any, broadcastable -> their sum's shape
    """
    if torch.is_grad_enabled() and (x.requires_grad or y.requires_grad):
        return _AddReLU.apply(x, y)
    return x + y.clamp_min(0)


class _ReLUKeepingMask(torch.autograd.Function):
    """In-place ``relu(y)`` whose backward keeps a 1-byte mask of ``y > 0``
    instead of the 4-byte output that ``nn.ReLU(inplace=True)`` saves."""

    @staticmethod
    def forward(ctx, y: torch.Tensor) -> torch.Tensor:
        positive = y > 0
        ctx.save_for_backward(positive)
        ctx.mark_dirty(y)
        return y.clamp_min_(0)

    @staticmethod
    def backward(ctx, grad: torch.Tensor):
        positive, = ctx.saved_tensors
        # one pass, in the layout grad and mask share (channels-last in the
        # network); masked_fill would return NCHW there and slow the norm's
        # backward down by 10 % of a training step
        return grad * positive


def relu_keeping_mask(y: torch.Tensor) -> torch.Tensor:
    """``relu(y)`` computed in ``y``'s memory, same values and gradients as
    ``nn.ReLU(inplace=True)(y)`` (up to the sign of zero); when gradients
    are recorded only a boolean mask of ``y > 0`` is kept for the backward
    pass instead of the output. Use it where nothing else keeps the output
    for backward (TPA's transform: its fragments copy or add their
    slices), else the output stays alive anyway (measured:
    docs/benchmarks.md).

    Shape:
        y: any -> the same
    """
    if torch.is_grad_enabled() and y.requires_grad:
        return _ReLUKeepingMask.apply(y)
    return y.clamp_min_(0)


class TemporalAvgPool(nn.Module):
    """Average each window of ``stride`` frames.

    Same result as ``nn.AvgPool2d((stride, 1), (stride, 1),
    ceil_mode=True)``: a last, shorter window is averaged over the frames it
    has. Written as a sum of strided slices, which on CPU is several times
    faster than ``avg_pool2d`` for these shapes.

    Args:
        stride (int): Window length and step, >= 1.

    Shape:
        x: (N*M, C, T, V) -> (N*M, C, ceil(T / stride), V)
    """

    def __init__(self, stride: int) -> None:
        super().__init__()
        if stride < 1:
            raise ValueError(f'temporal stride must be >= 1, got {stride}')
        self.stride = stride

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Pool the frames of ``x`` (``(N*M, C, T, V)``)."""
        stride = self.stride
        if stride == 1:
            return x
        t = x.shape[2]
        full = t - t % stride
        out = x[:, :, 0:full:stride]  # (N*M, C, T // stride, V)
        for offset in range(1, stride):
            out = out + x[:, :, offset:full:stride]
        out = out * (1 / stride)
        if full < t:
            tail = x[:, :, full:].mean(dim=2, keepdim=True)  # (N*M, C, 1, V)
            out = torch.cat([out, tail], dim=2)
        return out


def temporal_shortcut(in_channels: int, out_channels: int, stride: int,
                      norm_cfg: ConfigType) -> nn.Module:
    """Residual path of a temporal module: ``(N*M, C, T, V)`` in,
    ``(N*M, C', ceil(T / stride), V)`` out.

    Identity when nothing changes. A stride averages the frames of each
    window of ``stride`` frames (every frame contributes, no parameters);
    a channel change adds a 1x1 conv + norm projection.

    Args:
        in_channels (int): C.
        out_channels (int): C'.
        stride (int): Temporal stride.
        norm_cfg (dict): Norm layer of the projection.

    Returns:
        nn.Module: The shortcut.
    """
    if stride < 1:
        raise ValueError(f'temporal stride must be >= 1, got {stride}')
    layers = []
    if stride > 1:
        layers.append(TemporalAvgPool(stride))
    if in_channels != out_channels:
        layers.append(
            nn.Conv2d(in_channels, out_channels, kernel_size=1, bias=False))
        layers.append(build_norm_layer(norm_cfg, out_channels)[1])
    if not layers:
        return nn.Identity()
    if len(layers) == 1:
        return layers[0]
    return Sequential(*layers)
