"""Skeleton datasets, transforms, readers and checks of lsta_mm."""
from . import transforms  # noqa: F401  (registers the transforms)
from .ntu_raw import load_ntu_skeleton
from .pose_dataset import LSTAPoseDataset
from .validation import AnnotationError, validate_annotations

__all__ = [
    'AnnotationError', 'LSTAPoseDataset', 'load_ntu_skeleton',
    'validate_annotations'
]
