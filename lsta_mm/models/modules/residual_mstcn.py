"""ResidualMSTCN: the MS-TCN baseline of the paper's Table 5 (section 3.4).

The temporal module that Table 5 compares TPA against ("MS-TCN"), so that a
config can swap it in for ATPA with everything else unchanged.
"""
import torch
from mmaction.models.utils.gcn_utils import mstcn
from mmaction.utils import OptConfigType, OptMultiConfig
from mmcv.cnn import build_activation_layer
from mmengine.model import BaseModule

from lsta_mm.registry import MODELS
from .utils import temporal_shortcut

__all__ = ['ResidualMSTCN']


@MODELS.register_module()
class ResidualMSTCN(BaseModule):
    """Multi-scale temporal convolution with a residual path (MS-TCN).

    Paper: section 3.4, Table 5 ("MS-TCN" row, the temporal module of
    MS-G3D).

    This composes mmaction2's ``mstcn`` unchanged: six branches of
    ``out_channels / 6`` channels (1x1 conv + norm + ReLU, then a 3x1
    temporal conv with dilation 1, 2, 3 or 4; a 3x1 max-pool branch; a 1x1
    branch), concatenated, followed by norm, ReLU, a 1x1 conv and norm.
    The branch structure is MS-G3D's; mmaction2 (after PYSKL) adds that
    final norm/ReLU/1x1 transform, which is why this baseline has more
    parameters than TPA (about 1.25M against 1.0M for the NTU-60 model,
    Table 5 gives 1.2M against 1.0M). mmaction2's ``mstcn`` has no residual
    path (its STGCN block adds one); the residual and the final activation
    are added here, the same shortcut TPA uses, so the two temporal modules
    differ only in how they aggregate.

    Args:
        in_channels (int): Input channels C.
        out_channels (int): Output channels C'.
        stride (int): Temporal stride. Defaults to 1.
        dropout (float): Dropout of ``mstcn``. Defaults to 0.
        residual (bool): Whether to add the residual path. Defaults to True.
        norm_cfg (dict, optional): Norm layer of the shortcut projection.
            Defaults to ``dict(type='BN')``.
        act_cfg (dict, optional): Final activation. Defaults to
            ``dict(type='ReLU', inplace=True)``.
        init_cfg (dict or list[dict], optional): Initialisation config.
            Defaults to None.

    Shape:
        x: (N*M, C, T, V) -> (N*M, C', ceil(T / stride), V)
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 stride: int = 1,
                 dropout: float = 0.,
                 residual: bool = True,
                 norm_cfg: OptConfigType = None,
                 act_cfg: OptConfigType = None,
                 init_cfg: OptMultiConfig = None) -> None:
        super().__init__(init_cfg=init_cfg)
        norm_cfg = dict(type='BN') if norm_cfg is None else norm_cfg
        act_cfg = dict(type='ReLU', inplace=True) if act_cfg is None \
            else act_cfg
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.stride = stride
        self.tcn = mstcn(
            in_channels, out_channels, dropout=dropout, stride=stride)
        self.residual = temporal_shortcut(
            in_channels, out_channels, stride,
            norm_cfg) if residual else None
        self.act = build_activation_layer(act_cfg)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Multi-branch temporal convolution plus residual.

        Args:
            x (torch.Tensor): ``(N*M, C, T, V)``.

        Returns:
            torch.Tensor: ``(N*M, C', ceil(T / stride), V)``.
        """
        out = self.tcn(x)  # (N*M, C', ceil(T / stride), V)
        if self.residual is not None:
            out = out + self.residual(x)
        return self.act(out)
