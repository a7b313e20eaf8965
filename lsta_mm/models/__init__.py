"""lsta_mm's models; importing this registers them in mmaction2's MODELS."""
from . import backbones, modules, recognizers  # noqa: F401
from .backbones import LSTANet
from .modules import ATPA, MAM, MSDA, TPA, LSTABlock, ResidualMSTCN
from .recognizers import MultiStreamRecognizer

__all__ = [
    'LSTANet', 'LSTABlock', 'MSDA', 'TPA', 'ATPA', 'MAM', 'ResidualMSTCN',
    'MultiStreamRecognizer'
]
