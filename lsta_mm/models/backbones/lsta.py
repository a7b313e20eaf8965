"""LSTANet: the LSTA-Net backbone (paper section 2 and Fig. 1(a), 3.2).

A data norm over persons, joints and coordinates, then a stage plan of
LSTA blocks (72/144/288 channels, temporal strides 1/2/2 in the paper).
The output keeps persons, frames and joints apart, ready for mmaction2's
``GCNHead`` (global average pool over T and V, mean over persons).
"""
from typing import Sequence

import torch
import torch.nn as nn
from mmaction.utils import ConfigType, OptConfigType, OptMultiConfig
from mmengine.model import BaseModule, ModuleList

from lsta_mm.registry import MODELS
from lsta_mm.utils.topology import get_topology
from ..modules.lsta_block import NUM_TEMPORAL_MODULES, LSTABlock

__all__ = ['LSTANet', 'DEFAULT_STAGE_CHANNELS', 'DEFAULT_STAGE_STRIDES']

#: Output channels of the three LSTA blocks (section 3.2).
DEFAULT_STAGE_CHANNELS = (72, 144, 288)
#: Temporal strides of the three blocks (MS-G3D's factorised path).
DEFAULT_STAGE_STRIDES = (1, 2, 2)
#: Choices of the input data norm's statistics (see ``data_bn_type``).
DATA_BN_TYPES = ('MVC', 'VC')


@MODELS.register_module()
class LSTANet(BaseModule):
    """Long short-term spatio-temporal aggregation network (backbone).

    Paper: section 2, Fig. 1(a); network details in section 3.2.

    Args:
        graph_cfg (dict): ``dict(layout=...)`` with ``'nturgb+d'``,
            ``'openpose'``, ``'coco'`` or a dict with ``num_node``,
            ``inward`` and ``center``.
        in_channels (int): Coordinates per joint C (3 for NTU x/y/z, 3 for
            Kinetics x/y/score). Defaults to 3.
        num_person (int): M, persons per sample. Defaults to 2.
        data_bn_type (str): Statistics of the input data norm: ``'MVC'``
            keeps one per person, joint and coordinate (the reading of the
            paper, as 2s-AGCN and MS-G3D do); ``'VC'`` shares them across
            persons (mmaction2's and PYSKL's GCN default), so the
            zero-padded second person of one-person samples does not have
            statistics of its own. Defaults to ``'MVC'``.
        stage_channels (tuple[int]): Output channels of each LSTA block.
            Defaults to (72, 144, 288).
        stage_strides (tuple[int]): Temporal stride of each LSTA block.
            Defaults to (1, 2, 2).
        spatial_cfg (dict, optional): Spatial module of every block.
            Defaults to None, meaning ``dict(type='MSDA')`` (K = 8).
        temporal_cfg (dict, optional): Temporal module of every block.
            Defaults to None, meaning ``dict(type='ATPA')`` (S = 6, MAM with
            eta = 5, dilations 1-3, max pooling).
        num_temporal_modules (int): Temporal modules per block.
            Defaults to 3.
        stride_before_spatial (bool): Each block applies its stride by
            averaging frames before MSDA (True) or in its first temporal
            module (False); see :class:`LSTABlock`. Defaults to True.
        center_input (bool): Move the main person's centre joint (the
            layout's ``center``) to the origin in every frame, in every
            person's present joints (joints with a non-zero coordinate),
            before the data norm: section 3.2's translation done by the
            network itself. Inputs that ``SkeletonStream`` prepared already
            have it (the step changes nothing there, in every stream); a
            pipeline that centres once or not at all (mmaction2's
            ``PreNormalize3D``, ``GenSkeFeat``) then gives the network the
            same translation as ours. Score channels are not touched.
            Defaults to True.
        init_cfg (dict or list[dict], optional): Initialisation config.
            Defaults to Kaiming (fan-out) for convs and 1 for norm weights.

    Shape:
        x: (N, M, T, V, C) -> (N, M, C_out, T_out, V) with
        ``C_out = stage_channels[-1]`` and ``T_out`` = T divided (rounding
        up) by each stride in turn.
    """

    def __init__(self,
                 graph_cfg: ConfigType,
                 in_channels: int = 3,
                 num_person: int = 2,
                 stage_channels: Sequence[int] = DEFAULT_STAGE_CHANNELS,
                 stage_strides: Sequence[int] = DEFAULT_STAGE_STRIDES,
                 spatial_cfg: OptConfigType = None,
                 temporal_cfg: OptConfigType = None,
                 num_temporal_modules: int = NUM_TEMPORAL_MODULES,
                 stride_before_spatial: bool = True,
                 data_bn_type: str = 'MVC',
                 center_input: bool = True,
                 init_cfg: OptMultiConfig = None) -> None:
        if init_cfg is None:
            init_cfg = [
                dict(type='Kaiming', layer='Conv2d', mode='fan_out'),
                dict(type='Constant', layer='BatchNorm2d', val=1)
            ]
        super().__init__(init_cfg=init_cfg)
        stage_channels = tuple(stage_channels)
        stage_strides = tuple(stage_strides)
        if len(stage_channels) != len(stage_strides) or not stage_channels:
            raise ValueError(
                f'LSTANet: stage_channels {stage_channels} and '
                f'stage_strides {stage_strides} must be non-empty and of '
                f'equal length (one entry per LSTA block)')
        if 'layout' not in graph_cfg:
            raise ValueError(f'LSTANet: graph_cfg needs a layout, got '
                             f'{dict(graph_cfg)}')
        self.in_channels = in_channels
        self.num_person = num_person
        topology = get_topology(graph_cfg['layout'])
        self.num_node = topology.num_node
        self.center_input = bool(center_input)
        self.center_joint = topology.center
        self.coord_dims = min(topology.coord_dims, in_channels)
        self.stage_channels = stage_channels
        self.stage_strides = stage_strides

        if data_bn_type not in DATA_BN_TYPES:
            raise ValueError(f'LSTANet: data_bn_type must be one of '
                             f'{DATA_BN_TYPES}, got {data_bn_type!r}')
        self.data_bn_type = data_bn_type
        persons_with_own_statistics = num_person if data_bn_type == 'MVC' \
            else 1
        self.data_bn = nn.BatchNorm1d(persons_with_own_statistics *
                                      self.num_node * in_channels)
        blocks = []
        channels = in_channels
        for out_channels, stride in zip(stage_channels, stage_strides):
            blocks.append(
                LSTABlock(
                    channels,
                    out_channels,
                    graph_cfg=graph_cfg,
                    stride=stride,
                    spatial_cfg=spatial_cfg,
                    temporal_cfg=temporal_cfg,
                    num_temporal_modules=num_temporal_modules,
                    stride_before_spatial=stride_before_spatial))
            channels = out_channels
        self.blocks = ModuleList(blocks)
        self.out_channels = channels
        self._match_pointwise_weight_strides()

    def _match_pointwise_weight_strides(self) -> None:
        """Give every 1x1 conv weight the strides its gradient comes with.

        On channels-last activations a 1x1 conv's weight gradient
        ``(C_out, C_in, 1, 1)`` has channels-last strides; the bytes are
        laid out as in a contiguous weight (only the size-1 dimensions'
        strides differ), so autograd keeps them, and DDP, which compares
        strides exactly, then warns "Grad strides do not match bucket view
        strides" and copies each such gradient into its bucket every step.
        Restriding the weights (no value changes) makes the two agree.
        """
        for module in self.modules():
            if isinstance(module, nn.Conv2d) and \
                    tuple(module.kernel_size) == (1, 1):
                weight = module.weight.data
                # (a contiguous (C_out, C_in, 1, 1) tensor already counts as
                # channels-last, so .contiguous() would not restride it)
                c_in = weight.shape[1]
                restrided = torch.empty_strided(
                    weight.shape, (c_in, 1, c_in, c_in),
                    dtype=weight.dtype,
                    device=weight.device)
                module.weight.data = restrided.copy_(weight)

    def center_on_main_person(self, x: torch.Tensor) -> torch.Tensor:
        """Subtract the main person's centre joint, frame by frame.

        Section 3.2's translation: in every frame, the coordinates of the
        first person's centre joint are subtracted from every present joint
        (a joint with a non-zero coordinate) of every person; absent joints
        and zero-padded persons stay zero, score channels stay as they are.

        Args:
            x (torch.Tensor): ``(N, M, T, V, C)``.

        Returns:
            torch.Tensor: ``(N, M, T, V, C)``.
        """
        coords = x[..., :self.coord_dims]
        centre = coords[:, :1, :, self.center_joint:self.center_joint + 1]
        present = (coords.abs().sum(-1, keepdim=True) > 0).to(x.dtype)
        coords = coords - centre * present
        if x.shape[-1] == self.coord_dims:
            return coords
        return torch.cat([coords, x[..., self.coord_dims:]], dim=-1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Centre (``center_input``) and normalise the input, then run the
        LSTA blocks.

        Args:
            x (torch.Tensor): ``(N, M, T, V, C)`` skeleton sequences.

        Returns:
            torch.Tensor: ``(N, M, C_out, T_out, V)``.
        """
        expected = (self.num_person, self.num_node, self.in_channels)
        if x.dim() != 5 or (x.shape[1], x.shape[3], x.shape[4]) != expected:
            raise ValueError(
                f'LSTANet: expected input (N, M={self.num_person}, T, '
                f'V={self.num_node}, C={self.in_channels}), got '
                f'{list(map(int, x.shape))}')
        n, m, t, v, c = x.shape
        if self.center_input:
            x = self.center_on_main_person(x)
        x = x.permute(0, 1, 3, 4, 2)  # (N, M, V, C, T)
        if self.data_bn_type == 'MVC':
            x = self.data_bn(x.reshape(n, m * v * c, t))  # (N, M*V*C, T)
        else:
            x = self.data_bn(x.reshape(n * m, v * c, t))  # (N*M, V*C, T)
        x = x.view(n, m, v, c, t)  # (N, M, V, C, T)
        x = x.permute(0, 1, 3, 4, 2)  # (N, M, C, T, V)
        x = x.reshape(n * m, c, t, v)  # (N*M, C, T, V)
        # Channels-last memory (values unchanged): the 1x1 and small
        # temporal convs become plain GEMMs for oneDNN/cuDNN and MSDA's
        # aggregation lands in the layout its conv reads (docs/benchmarks.md).
        x = x.contiguous(memory_format=torch.channels_last)
        for block in self.blocks:
            x = block(x)  # (N*M, C', T', V)
        return x.reshape((n, m) + x.shape[1:])  # (N, M, C_out, T_out, V)
