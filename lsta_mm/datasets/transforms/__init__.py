"""Skeleton transforms of lsta_mm (registered in mmaction2's TRANSFORMS)."""
from .augment import RandomSkeletonAffine, RandomValidCrop
from .normalize import NormalizeSkeleton
from .padding import ReplayPad
from .skeleton_streams import STREAMS, ToSkeletonStream
from .stream_pipeline import SkeletonStream, frames_covered

__all__ = [
    'NormalizeSkeleton', 'RandomSkeletonAffine', 'RandomValidCrop',
    'ReplayPad', 'STREAMS', 'SkeletonStream', 'ToSkeletonStream',
    'frames_covered'
]
