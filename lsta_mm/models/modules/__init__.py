"""LSTA-Net's modules: (N*M, C, T, V) in, (N*M, C', T', V) out."""
from .lsta_block import LSTABlock
from .mam import MAM
from .msda import MSDA
from .residual_mstcn import ResidualMSTCN
from .tpa import ATPA, TPA
from .utils import TemporalAvgPool, temporal_shortcut

__all__ = [
    'ATPA', 'LSTABlock', 'MAM', 'MSDA', 'ResidualMSTCN', 'TPA',
    'TemporalAvgPool', 'temporal_shortcut'
]
