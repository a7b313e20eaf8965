"""Recognizers of lsta_mm: the one-pass multi-stream ensemble."""
from .multi_stream import MultiStreamRecognizer, resolve_checkpoint
from .stream_ops import derive_stream, joint_to_bone, to_motion

__all__ = [
    'MultiStreamRecognizer', 'derive_stream', 'joint_to_bone',
    'resolve_checkpoint', 'to_motion'
]
