"""LSTABlock: one MSDA followed by three ATPA (paper section 2.3, Eq. 8)."""
import torch
from mmaction.utils import ConfigType, OptConfigType, OptMultiConfig
from mmengine.model import BaseModule, Sequential

from lsta_mm.registry import MODELS

__all__ = ['LSTABlock', 'NUM_TEMPORAL_MODULES']

#: Temporal modules per block: "one MSDA module followed by three ATPA".
NUM_TEMPORAL_MODULES = 3


@MODELS.register_module()
class LSTABlock(BaseModule):
    """Long short-term spatio-temporal aggregation block.

    Paper: section 2.3, Eq. (8): ``ATPA(ATPA(ATPA(MSDA(x))))``.

    The spatial module maps C to C' channels at full temporal resolution;
    the first temporal module carries the block's stride (the later ones
    then run on fewer frames), every temporal module keeps C' channels.
    Both parts are config dicts built through the registry, which adds the
    runtime arguments: the spatial module gets ``in_channels``,
    ``out_channels`` and ``graph_cfg``; each temporal module gets
    ``in_channels``, ``out_channels`` and ``stride``.

    Args:
        in_channels (int): Input channels C.
        out_channels (int): Output channels C'.
        graph_cfg (dict): Passed to the spatial module,
            ``dict(layout=...)``.
        stride (int): Temporal stride of the block. Defaults to 1.
        spatial_cfg (dict, optional): Spatial module. Defaults to None,
            meaning ``dict(type='MSDA')``.
        temporal_cfg (dict, optional): Temporal module. Defaults to None,
            meaning ``dict(type='ATPA')``; ``'TPA'`` (no attention) and
            ``'ResidualMSTCN'`` are the Table 5 alternatives.
        num_temporal_modules (int): Temporal modules after the spatial one.
            Defaults to 3.
        init_cfg (dict or list[dict], optional): Initialisation config.
            Defaults to None.

    Shape:
        x: (N*M, C, T, V) -> (N*M, C', ceil(T / stride), V)
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 graph_cfg: ConfigType,
                 stride: int = 1,
                 spatial_cfg: OptConfigType = None,
                 temporal_cfg: OptConfigType = None,
                 num_temporal_modules: int = NUM_TEMPORAL_MODULES,
                 init_cfg: OptMultiConfig = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if num_temporal_modules < 1:
            raise ValueError(f'LSTABlock: num_temporal_modules must be >= 1, '
                             f'got {num_temporal_modules}')
        spatial_cfg = dict(type='MSDA') if spatial_cfg is None \
            else spatial_cfg
        temporal_cfg = dict(type='ATPA') if temporal_cfg is None \
            else temporal_cfg
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.stride = stride
        self.spatial = MODELS.build(
            spatial_cfg,
            default_args=dict(
                in_channels=in_channels,
                out_channels=out_channels,
                graph_cfg=graph_cfg))
        self.temporal = Sequential(*[
            MODELS.build(
                temporal_cfg,
                default_args=dict(
                    in_channels=out_channels,
                    out_channels=out_channels,
                    stride=stride if index == 0 else 1))
            for index in range(num_temporal_modules)
        ])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Spatial aggregation, then the temporal modules.

        Args:
            x (torch.Tensor): ``(N*M, C, T, V)``.

        Returns:
            torch.Tensor: ``(N*M, C', ceil(T / stride), V)``.
        """
        x = self.spatial(x)  # (N*M, C', T, V)
        return self.temporal(x)  # Eq. (8)
