"""Backbones of lsta_mm."""
from .lsta import LSTANet

__all__ = ['LSTANet']
