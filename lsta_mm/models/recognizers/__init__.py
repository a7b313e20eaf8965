"""Recognizers of lsta_mm: the multi-stream model of section 3.3."""
from .multi_stream import MultiStreamRecognizer

__all__ = ['MultiStreamRecognizer']
