"""MSDA: multi-scale spatial decentralised aggregation (paper section 2.1).

Implements Eq. (1)-(3): every frame's joint features are aggregated over K
normalised k-adjacency matrices (built once, by
:func:`lsta_mm.utils.multiscale_adjacency`), the K aggregations are stacked
on the channel axis and mixed by one learned 1x1 transform (the ``W_(k)`` of
Eq. 3), then norm, residual and activation (the ``sigma`` of Eq. 3).
"""
from typing import Optional

import torch
import torch.nn as nn
from mmaction.utils import ConfigType, OptConfigType, OptMultiConfig
from mmcv.cnn import build_activation_layer, build_norm_layer
from mmengine.model import BaseModule, Sequential

from lsta_mm.registry import MODELS
from lsta_mm.utils.adjacency import SPATIAL_SCHEMES, multiscale_adjacency

__all__ = ['MSDA', 'DEFAULT_NUM_SCALES', 'ADAPTIVE_MODES']

#: The paper's best number of scales on NTU RGB+D (Table 4).
DEFAULT_NUM_SCALES = 8
#: Fixed matrices (None) or a learnable offset added to them ('offset').
ADAPTIVE_MODES = (None, 'offset')


@MODELS.register_module()
class MSDA(BaseModule):
    """Multi-scale spatial decentralised aggregation.

    Paper: section 2.1, Eq. (1)-(3).

    ``out = act(norm(W [A_0 x; A_1 x; ...; A_{K-1} x]) + residual(x))``
    where ``A_k`` are the normalised k-adjacency matrices of the chosen
    spatial scheme (``'msda'`` for Eq. 2; ``'ms-gcn'`` and ``'gcn'`` are the
    other rows of Table 4). The paper builds on MS-G3D's factorised path
    (section 3.2), whose multi-scale GCN adds a learnable mask to its fixed
    matrices; ``adaptive='offset'`` does the same here. A symmetric, fixed
    graph cannot tell apart joints in mirror positions nor, easily, the
    body part a feature comes from; the mask (``K * V * V`` weights, 5k per
    block for NTU with K = 8) lets every block learn joint-specific weights
    (without it, a tiny model failed the "which body part moves" toy task
    of ``tests/models/backbones/test_lsta.py`` on most seeds).

    All K scales are aggregated by one matmul with the ``(V, K*V)``
    concatenation of the matrices, and mixed by one 1x1 conv over the
    ``K*C`` stacked channels.

    Args:
        in_channels (int): Input channels C.
        out_channels (int): Output channels C'.
        graph_cfg (dict): ``dict(layout=...)``; the layout is anything
            :func:`lsta_mm.utils.get_topology` accepts (``'nturgb+d'``,
            ``'openpose'``, ``'coco'`` or a dict with ``num_node``,
            ``inward`` and ``center``).
        num_scales (int): K, scales ``k = 0 .. K-1``. Defaults to 8.
        scheme (str): Spatial scheme, one of ``'msda'``, ``'ms-gcn'``,
            ``'gcn'``. Defaults to ``'msda'``.
        adaptive (str, optional): ``'offset'`` adds a learnable ``(K, V, V)``
            offset to the fixed matrices, initialised uniformly in
            ``[-1e-6, 1e-6]`` (MS-G3D's residual mask, mmaction2's
            ``unit_gcn(adaptive='offset')``); None keeps them fixed.
            Defaults to ``'offset'``.
        residual (bool): Whether to add a residual path (identity, or a
            1x1 conv + norm when C != C'). Defaults to True.
        norm_cfg (dict, optional): Norm layer. Defaults to
            ``dict(type='BN')``.
        act_cfg (dict, optional): Activation. Defaults to
            ``dict(type='ReLU', inplace=True)``.
        init_cfg (dict or list[dict], optional): Initialisation config.
            Defaults to None.

    Shape:
        x: (N*M, C, T, V) -> (N*M, C', T, V)
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 graph_cfg: ConfigType,
                 num_scales: int = DEFAULT_NUM_SCALES,
                 scheme: str = 'msda',
                 adaptive: Optional[str] = 'offset',
                 residual: bool = True,
                 norm_cfg: OptConfigType = None,
                 act_cfg: OptConfigType = None,
                 init_cfg: OptMultiConfig = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if scheme not in SPATIAL_SCHEMES:
            raise ValueError(f'MSDA: unknown scheme {scheme!r}; expected '
                             f'one of {SPATIAL_SCHEMES}')
        if adaptive not in ADAPTIVE_MODES:
            raise ValueError(f'MSDA: adaptive must be one of '
                             f'{ADAPTIVE_MODES}, got {adaptive!r}')
        unknown = set(graph_cfg) - {'layout'}
        if 'layout' not in graph_cfg or unknown:
            raise ValueError(
                f'MSDA: graph_cfg must be dict(layout=...), got keys '
                f'{sorted(graph_cfg)}; the scales come from num_scales and '
                f'scheme, not from a Graph mode')
        norm_cfg = dict(type='BN') if norm_cfg is None else norm_cfg
        act_cfg = dict(type='ReLU', inplace=True) if act_cfg is None \
            else act_cfg
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.num_scales = num_scales
        self.scheme = scheme
        self.adaptive = adaptive

        A = multiscale_adjacency(graph_cfg['layout'], num_scales, scheme)
        self.register_buffer('A', torch.from_numpy(A))  # (K, V, V)
        self.num_node = A.shape[-1]
        self.A_offset: Optional[nn.Parameter] = None
        if adaptive == 'offset':
            # starts as the paper's fixed matrices, then learns
            self.A_offset = nn.Parameter(
                torch.empty_like(self.A).uniform_(-1e-6, 1e-6))

        # W_(k) of Eq. (3) for all k at once; the norm makes a bias useless.
        self.conv = nn.Conv2d(
            num_scales * in_channels, out_channels, kernel_size=1, bias=False)
        self.norm = build_norm_layer(norm_cfg, out_channels)[1]
        self.act = build_activation_layer(act_cfg)

        self.residual: Optional[nn.Module] = None
        if residual and in_channels == out_channels:
            self.residual = nn.Identity()
        elif residual:
            self.residual = Sequential(
                nn.Conv2d(in_channels, out_channels, 1, bias=False),
                build_norm_layer(norm_cfg, out_channels)[1])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Aggregate over K scales, mix channels, add the residual.

        Args:
            x (torch.Tensor): ``(N*M, C, T, V)``.

        Returns:
            torch.Tensor: ``(N*M, C', T, V)``.
        """
        nm, c, t, v = x.shape
        if v != self.num_node or c != self.in_channels:
            raise ValueError(
                f'MSDA: expected (N*M, {self.in_channels}, T, '
                f'{self.num_node}) input, got {tuple(x.shape)}')
        res = None if self.residual is None else self.residual(x)
        k = self.num_scales
        graph = self.A if self.A_offset is None else self.A + self.A_offset
        # One batched matmul for all K scales, in channels-last memory: for
        # every (sample, frame) the (V, C) joint features are multiplied by
        # the stacked (W*K, V) matrices, which writes the K aggregations in
        # exactly the (T, W, K*C) layout the 1x1 conv reads: no permute copy
        # of the K-times larger result.
        graph = graph.permute(2, 0, 1).reshape(v * k, v)  # (W*K, V)
        x = x.contiguous(memory_format=torch.channels_last)
        rows = x.permute(0, 2, 3, 1).reshape(nm * t, v, c)  # (N*M*T, V, C)
        agg = torch.matmul(graph, rows)  # (N*M*T, W*K, C), Eq. (3) A_k X
        agg = agg.view(nm, t, v, k * c)  # (N*M, T, W, K*C)
        agg = agg.permute(0, 3, 1, 2)  # (N*M, K*C, T, W), channels-last
        out = self.norm(self.conv(agg))  # (N*M, C', T, V), sum_k A X W
        if res is not None:
            out += res  # the norm's backward does not need its output
        return self.act(out)  # Eq. (3) sigma
