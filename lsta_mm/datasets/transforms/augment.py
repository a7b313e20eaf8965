"""Training-time augmentations customary for skeleton action recognition.

The paper trains without augmentation (section 3.2); these are options for
users, off in the shipped configs. Randomness uses ``np.random``, which the
Runner seeds per worker; nothing here seeds a generator.
"""
from typing import Dict, Optional, Sequence, Union

import numpy as np
from mmcv.transforms import BaseTransform

from lsta_mm.registry import TRANSFORMS
from .normalize import present_joints
from .skeleton_streams import default_coord_dims, merge_keypoint_score

__all__ = ['RandomSkeletonAffine', 'RandomValidCrop', 'euler_matrix']


def euler_matrix(angles: Sequence[float]) -> np.ndarray:
    """Rotation ``(3, 3)`` = Rz @ Ry @ Rx for angles (x, y, z) in radians."""
    ax, ay, az = angles
    cx, sx, cy, sy, cz, sz = (np.cos(ax), np.sin(ax), np.cos(ay), np.sin(ay),
                              np.cos(az), np.sin(az))
    rot_x = np.array([[1, 0, 0], [0, cx, -sx], [0, sx, cx]])
    rot_y = np.array([[cy, 0, sy], [0, 1, 0], [-sy, 0, cy]])
    rot_z = np.array([[cz, -sz, 0], [sz, cz, 0], [0, 0, 1]])
    return rot_z @ rot_y @ rot_x


@TRANSFORMS.register_module()
class RandomSkeletonAffine(BaseTransform):
    """Random rotation, scaling and shift of the coordinates.

    3-D data is rotated about x, y and z by independent angles in
    ``[-rotate, rotate]`` degrees, 2-D data in the image plane. Each axis is
    scaled by a factor in ``[1 - scale, 1 + scale]`` and shifted by a value
    in ``[-shift, shift]``. Absent joints stay zero; scores are untouched.

    Required Keys:

        - keypoint: ``(M, T, V, C)``.
        - keypoint_score (optional): merged as last channel.

    Modified Keys:

        - keypoint: ``(M, T, V, C)`` float32.

    Args:
        layout (str | dict): Skeleton layout (for the coordinate count).
            Defaults to ``'nturgb+d'``.
        rotate (float): Largest rotation in degrees. Defaults to 15.
        scale (float): Largest relative scale change. Defaults to 0.1.
        shift (float): Largest shift, in data units. Defaults to 0.
        coord_dims (int, optional): Coordinate channels. Defaults to None
            (3 for ``nturgb+d``, else 2).
    """

    def __init__(self,
                 layout: Union[str, dict] = 'nturgb+d',
                 rotate: float = 15.0,
                 scale: float = 0.1,
                 shift: float = 0.0,
                 coord_dims: Optional[int] = None) -> None:
        if rotate < 0 or scale < 0 or shift < 0 or scale >= 1:
            raise ValueError('rotate, shift must be >= 0 and 0 <= scale < 1')
        self.layout = layout
        self.rotate = rotate
        self.scale = scale
        self.shift = shift
        self.coord_dims = (
            default_coord_dims(layout) if coord_dims is None else coord_dims)

    def transform(self, results: Dict) -> Dict:
        """Apply one random affine map to every person and frame."""
        keypoint = merge_keypoint_score(results).copy()
        cd = self.coord_dims
        limit = np.deg2rad(self.rotate)
        if cd == 3:
            rot = euler_matrix(np.random.uniform(-limit, limit, 3))
        else:
            angle = np.random.uniform(-limit, limit)
            rot = np.array([[np.cos(angle), -np.sin(angle)],
                            [np.sin(angle), np.cos(angle)]])
        scale = np.random.uniform(1 - self.scale, 1 + self.scale, cd)
        shift = np.random.uniform(-self.shift, self.shift, cd)
        matrix = (rot * scale[:, None]).astype(np.float32)  # scale rows
        present = present_joints(keypoint, cd)  # (M, T, V)
        coords = keypoint[..., :cd] @ matrix.T + shift.astype(np.float32)
        keypoint[..., :cd] = coords * present[..., None]
        results['keypoint'] = keypoint
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(layout={self.layout!r}, '
                f'rotate={self.rotate}, scale={self.scale}, '
                f'shift={self.shift}, coord_dims={self.coord_dims})')


@TRANSFORMS.register_module()
class RandomValidCrop(BaseTransform):
    """Keep a random contiguous part of the frames that contain a person.

    The crop covers a fraction drawn from ``ratio_range`` of the span
    between the first and the last frame with a person (the padding that
    follows restores the clip length).

    Required Keys:

        - keypoint: ``(M, T, V, C)``.
        - keypoint_score (optional): ``(M, T, V)``.

    Modified Keys:

        - keypoint: ``(M, T', V, C)``.
        - keypoint_score (optional): ``(M, T', V)``.
        - total_frames: ``T'``.

    Args:
        ratio_range (Sequence[float]): Range of the kept fraction, within
            (0, 1]. Defaults to (0.5, 1.0).
        min_frames (int): Shortest crop. Defaults to 2 (so that motion is
            defined).
        layout (str | dict): Skeleton layout. Defaults to ``'nturgb+d'``.
        coord_dims (int, optional): Coordinate channels. Defaults to None.
    """

    def __init__(self,
                 ratio_range: Sequence[float] = (0.5, 1.0),
                 min_frames: int = 2,
                 layout: Union[str, dict] = 'nturgb+d',
                 coord_dims: Optional[int] = None) -> None:
        low, high = ratio_range
        if not 0 < low <= high <= 1:
            raise ValueError(
                f'ratio_range must satisfy 0 < low <= high <= 1, got '
                f'{tuple(ratio_range)}')
        self.ratio_range = (float(low), float(high))
        self.min_frames = min_frames
        self.layout = layout
        self.coord_dims = (
            default_coord_dims(layout) if coord_dims is None else coord_dims)

    def transform(self, results: Dict) -> Dict:
        """Crop ``keypoint`` (and ``keypoint_score``) along T."""
        keypoint = results['keypoint']
        data = keypoint
        if 'keypoint_score' in results:
            data = np.concatenate(
                [keypoint, results['keypoint_score'][..., None]], -1)
        frames = np.flatnonzero(
            present_joints(data, self.coord_dims).any(axis=(0, 2)))
        if frames.size == 0:
            return results
        first, last = frames[0], frames[-1] + 1
        valid = last - first
        ratio = np.random.uniform(*self.ratio_range)
        length = int(np.clip(round(valid * ratio), self.min_frames, valid))
        start = first + np.random.randint(valid - length + 1)
        for key in ('keypoint', 'keypoint_score'):
            if key in results:
                results[key] = results[key][:, start:start + length]
        results['total_frames'] = length
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(ratio_range={self.ratio_range}, '
                f'min_frames={self.min_frames}, layout={self.layout!r})')
