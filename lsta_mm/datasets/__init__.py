"""Skeleton datasets, transforms, readers and checks of lsta_mm."""
from . import transforms  # noqa: F401  (registers the transforms)
from .ntu_raw import load_ntu_skeleton
from .pose_dataset import LSTAPoseDataset
from .safe_pickle import UnsafePickleError, safe_load_pickle
from .validation import AnnotationError, validate_annotations

__all__ = [
    'AnnotationError', 'LSTAPoseDataset', 'UnsafePickleError',
    'load_ntu_skeleton', 'safe_load_pickle', 'validate_annotations'
]
