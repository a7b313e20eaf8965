"""MAM: maximum-response attention module (paper section 2.2.2).

Implements Eq. (6)-(7): a channel descriptor pooled over T and V, several
dilated 1-D convolutions across the channel axis in parallel, their
element-wise maximum, a sigmoid, and a channel-wise re-weighting.
"""
import math
from typing import Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmaction.utils import OptMultiConfig
from mmengine.model import BaseModule

from lsta_mm.registry import MODELS

__all__ = ['MAM', 'DEFAULT_KERNEL_SIZE', 'DEFAULT_DILATIONS', 'POOLINGS']

#: Kernel size eta of the channel 1-D convs (Table 7's best).
DEFAULT_KERNEL_SIZE = 5
#: One parallel 1-D conv per dilation rate (Table 7's best, "1~3").
DEFAULT_DILATIONS = (1, 2, 3)
#: Pooling g(X) over T and V: max (the paper's) or average (Table 7).
POOLINGS = ('max', 'avg')


@MODELS.register_module()
class MAM(BaseModule):
    """Maximum-response attention module: channel attention inside ATPA.

    Paper: section 2.2.2, Eq. (6)-(7).

    ``w = sigmoid(max_d conv1d_{eta, d}(g(x)))`` and ``out = x * w`` per
    channel. Eq. (6) applies the sigmoid to each conv and Eq. (7) takes the
    maximum afterwards; the sigmoid is monotonic, so taking the maximum
    first gives the same weights with one sigmoid instead of one per conv.
    Like ECA, the 1-D convs have no bias, so MAM adds
    ``eta * len(dilations)`` parameters (``weight``, one row per dilation)
    and does not depend on C. The parallel convs run as a single conv1d
    with one output channel per dilation (their taps spread over a dense,
    zero-filled kernel), one small op instead of one per dilation.

    Args:
        kernel_size (int): Kernel size eta of the channel 1-D convs, odd.
            Defaults to 5.
        dilations (tuple[int]): One parallel 1-D conv per dilation.
            Defaults to (1, 2, 3).
        pooling (str): 'max' or 'avg' pooling over T and V.
            Defaults to 'max'.
        neutral_start (bool): Start the 1-D conv weights at zero, so that
            every channel's weight is ``sigmoid(0) = 0.5`` before training
            (set in :meth:`init_weights` too), instead of ECA's random
            start (conv1d's default uniform init), under which the large
            max-pooled inputs push each channel's weight towards 0 or 1 at
            random. Defaults to False (ECA's start: it learned as well once
            MAM re-weights TPA's branch, see :class:`ATPA`).
        gate_scale (float): The weights are ``gate_scale * sigmoid(.)``.
            1 is Eq. (6)'s sigmoid; 2 makes a neutral start weigh every
            channel by exactly 1 (the module starts as the identity and
            can then both damp and boost channels, in (0, 2)).
            Defaults to 1.
        init_cfg (dict or list[dict], optional): Initialisation config.
            Defaults to None.

    Shape:
        x: (N*M, C, T, V) -> (N*M, C, T, V)
    """

    def __init__(self,
                 kernel_size: int = DEFAULT_KERNEL_SIZE,
                 dilations: Sequence[int] = DEFAULT_DILATIONS,
                 pooling: str = 'max',
                 neutral_start: bool = False,
                 gate_scale: float = 1.0,
                 init_cfg: OptMultiConfig = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if kernel_size < 1 or kernel_size % 2 == 0:
            raise ValueError(f'MAM: kernel_size must be odd and positive so '
                             f'the channel axis keeps its length, got '
                             f'{kernel_size}')
        dilations = tuple(dilations)
        if not dilations or min(dilations) < 1:
            raise ValueError(f'MAM: dilations must be a non-empty sequence '
                             f'of positive ints, got {dilations}')
        if pooling not in POOLINGS:
            raise ValueError(f'MAM: pooling must be one of {POOLINGS}, got '
                             f'{pooling!r}')
        self.kernel_size = kernel_size
        self.dilations = dilations
        self.pooling = pooling
        self.neutral_start = neutral_start
        if gate_scale <= 0:
            raise ValueError(f'MAM: gate_scale must be positive, got '
                             f'{gate_scale}')
        self.gate_scale = gate_scale
        # The parallel dilated convs run as one conv1d with D output
        # channels: row d of the dense (D, span) kernel holds the eta taps
        # of dilation d at positions centre + (j - eta // 2) * d.
        half = kernel_size // 2
        span = 2 * half * max(dilations) + 1
        rows = torch.arange(len(dilations)).repeat_interleave(kernel_size)
        cols = torch.tensor([
            span // 2 + (j - half) * dilation for dilation in dilations
            for j in range(kernel_size)
        ])
        self.register_buffer(
            'tap_index', rows * span + cols, persistent=False)
        self.span = span
        # eta taps per dilation, no bias (as ECA)
        self.weight = nn.Parameter(torch.empty(len(dilations), kernel_size))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Zero weights (``neutral_start``) or conv1d's default uniform
        initialisation."""
        if self.neutral_start:
            nn.init.zeros_(self.weight)
        else:
            bound = 1 / math.sqrt(self.kernel_size)
            nn.init.uniform_(self.weight, -bound, bound)

    def init_weights(self) -> None:
        """Apply ``init_cfg``, then MAM's own start (a config's
        initialiser never leaves a random gate behind a neutral start)."""
        super().init_weights()
        if self.neutral_start:
            self.reset_parameters()

    def dilated_kernels(self) -> torch.Tensor:
        """The D dilated kernels as one dense conv1d weight.

        Returns:
            torch.Tensor: ``(D, 1, span)`` with ``span = (eta - 1) *
            max(dilations) + 1``; zeros between the taps.
        """
        num = len(self.dilations)
        dense = self.weight.new_zeros(num * self.span)
        dense = dense.index_put((self.tap_index, ), self.weight.reshape(-1))
        return dense.view(num, 1, self.span)  # (D, 1, span)

    def attention(self, x: torch.Tensor) -> torch.Tensor:
        """Channel weights ``omega_max`` of Eq. (7), after the sigmoid.

        Args:
            x (torch.Tensor): ``(N*M, C, T, V)``.

        Returns:
            torch.Tensor: ``(N*M, C, 1, 1)`` weights in (0, gate_scale).
        """
        nm, c = x.shape[:2]
        if self.pooling == 'max':
            # global max pooling, g(X) of Eq. (6); its backward writes each
            # channel's gradient to the maximum only, where amax's compares
            # x with the maximum and rescales it (several passes over x,
            # 13 % of a backbone training step; they differ only on exact
            # ties)
            g = F.adaptive_max_pool2d(x, 1).flatten(1)  # (N*M, C)
        else:
            g = x.mean(dim=(2, 3))  # (N*M, C)
        g = g.unsqueeze(1)  # (N*M, 1, C)
        responses = F.conv1d(
            g, self.dilated_kernels(), padding=self.span // 2)  # (N*M, D, C)
        omega = responses.amax(dim=1)  # (N*M, C), Eq. (7)
        weights = torch.sigmoid(omega)  # Eq. (6) tau
        if self.gate_scale != 1:
            weights = weights * self.gate_scale  # deviation: (0, gate_scale)
        return weights.view(nm, c, 1, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Re-weight the channels of ``x``.

        Args:
            x (torch.Tensor): ``(N*M, C, T, V)``.

        Returns:
            torch.Tensor: ``(N*M, C, T, V)``.
        """
        return x * self.attention(x)
