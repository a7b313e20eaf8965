"""Normalisation and translation of skeleton sequences.

Paper: section 3.2, "All sequences were pre-processed with normalisation and
translation as employed in [10, 12]": the body is moved so that the centre
joint of the main person sits at the origin, and (for 3-D data) rotated so
that the main person's spine is parallel to the z axis and the shoulder line
parallel to the x axis.
"""
from typing import Dict, Optional, Sequence, Union

import numpy as np
from mmcv.transforms import BaseTransform

from lsta_mm.registry import TRANSFORMS
from lsta_mm.utils.topology import get_topology
from .skeleton_streams import default_coord_dims, merge_keypoint_score

__all__ = ['NormalizeSkeleton', 'present_joints', 'rotation_between']


def present_joints(keypoint: np.ndarray, coord_dims: int) -> np.ndarray:
    """Mask of joints that were detected, ``(M, T, V)`` bool.

    A joint is present when its score (if any) is positive, otherwise when
    any coordinate is non-zero (absent bodies are stored as zeros).
    """
    if keypoint.shape[-1] > coord_dims:
        return keypoint[..., coord_dims] > 0
    return np.any(keypoint[..., :coord_dims] != 0, axis=-1)


def rotation_between(vector: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Rotation matrix ``(3, 3)`` turning ``vector`` onto ``target``.

    Rodrigues' formula; returns the identity for a zero vector.
    """
    norm = np.linalg.norm(vector)
    if norm < 1e-6:
        return np.eye(3)
    a = vector / norm
    b = target / np.linalg.norm(target)
    axis = np.cross(a, b)
    sin = np.linalg.norm(axis)
    cos = float(np.dot(a, b))
    if sin < 1e-8:
        if cos > 0:
            return np.eye(3)
        # opposite vectors: half turn about any axis perpendicular to a
        perp = np.cross(a, [1.0, 0.0, 0.0])
        if np.linalg.norm(perp) < 1e-6:
            perp = np.cross(a, [0.0, 1.0, 0.0])
        perp /= np.linalg.norm(perp)
        return 2 * np.outer(perp, perp) - np.eye(3)
    skew = np.array([[0, -axis[2], axis[1]], [axis[2], 0, -axis[0]],
                     [-axis[1], axis[0], 0]])
    return np.eye(3) + skew + skew @ skew * ((1 - cos) / sin**2)


@TRANSFORMS.register_module()
class NormalizeSkeleton(BaseTransform):
    """The paper's normalisation and translation (section 3.2).

    1. Persons are ordered by the number of frames they appear in; the
       first is the main person.
    2. Frames in which nobody appears are removed (the replay padding
       that follows fills the clip again).
    3. Translation: the main person's centre joint is subtracted from every
       present joint, per frame (``center='frame'``, as in the
       preprocessing of 2s-AGCN and MS-G3D that the paper follows; where
       the main person is missing the nearest earlier frame's centre is
       used) or once from the first frame (``center='first'``, like
       mmaction2's ``PreNormalize3D``).
    4. Rotation (3-D data only): in the first frame of the main person,
       the spine is turned onto +z and then, about z, the shoulder line
       onto the x-z plane. Deviation from ``PreNormalize3D``: the second
       rotation is about z, so the spine stays on z.

    Vectorised; absent joints stay exactly zero.

    Required Keys:

        - keypoint: ``(M, T, V, C)``.
        - keypoint_score (optional): ``(M, T, V)``, merged as last channel.

    Modified Keys:

        - keypoint: ``(M, T', V, C)`` float32, ``T'`` frames with a person.
        - total_frames: ``T'``.

    Removed Keys:

        - keypoint_score

    Args:
        layout (str | dict): Skeleton layout. Defaults to ``'nturgb+d'``.
        center (str | None): ``'frame'``, ``'first'`` or None (no
            translation). Defaults to ``'frame'``.
        center_joint (int, optional): Joint moved to the origin. Defaults
            to None, the layout's centre from ``get_topology``.
        rotate (bool): Rotate 3-D data into the body frame. Defaults to
            True (ignored for 2-D data).
        zaxis (Sequence[int], optional): ``(bottom, top)`` joints of the
            spine. Defaults to None: the layout's ``spine_axis``
            (``get_topology``; ``(0, 1)`` for ``nturgb+d``).
        xaxis (Sequence[int], optional): ``(right, left)`` shoulders.
            Defaults to None: the layout's ``shoulder_axis`` (``(8, 4)``
            for ``nturgb+d``).
        coord_dims (int, optional): Coordinate channels. Defaults to None
            (3 for ``nturgb+d``, else 2).
    """

    def __init__(self,
                 layout: Union[str, dict] = 'nturgb+d',
                 center: Optional[str] = 'frame',
                 center_joint: Optional[int] = None,
                 rotate: bool = True,
                 zaxis: Optional[Sequence[int]] = None,
                 xaxis: Optional[Sequence[int]] = None,
                 coord_dims: Optional[int] = None) -> None:
        if center not in ('frame', 'first', None):
            raise ValueError(f"center must be 'frame', 'first' or None, "
                             f'got {center!r}')
        self.layout = layout
        topology = get_topology(layout)
        self.center = center
        self.center_joint = (
            topology.center if center_joint is None else int(center_joint))
        self.coord_dims = (
            default_coord_dims(layout) if coord_dims is None else coord_dims)
        self.zaxis = tuple(zaxis) if zaxis is not None \
            else topology.spine_axis
        self.xaxis = tuple(xaxis) if xaxis is not None \
            else topology.shoulder_axis
        self.rotate = (
            rotate and self.coord_dims == 3 and self.zaxis is not None
            and self.xaxis is not None)

    def transform(self, results: Dict) -> Dict:
        """Normalise ``results['keypoint']`` in place."""
        keypoint = merge_keypoint_score(results).copy()
        cd = self.coord_dims
        present = present_joints(keypoint, cd)  # (M, T, V)
        person_frames = present.any(-1)  # (M, T)
        order = np.argsort(-person_frames.sum(1), kind='stable')
        keypoint = keypoint[order]
        present = present[order]
        person_frames = person_frames[order]
        keep = person_frames.any(0)  # (T,)
        if keep.any() and not keep.all():
            keypoint = keypoint[:, keep]
            present = present[:, keep]
            person_frames = person_frames[:, keep]
        main = present[0, :, self.center_joint]  # (T,)
        if self.center is not None and main.any():
            centre = keypoint[0, :, self.center_joint, :cd]  # (T, cd)
            if self.center == 'first':
                centre = np.broadcast_to(centre[np.argmax(main)], centre.shape)
            else:
                # carry the last known centre over frames that lack it
                idx = np.where(main, np.arange(main.size), -1)
                idx = np.maximum.accumulate(idx)
                idx[idx < 0] = np.argmax(main)
                centre = centre[idx]
            keypoint[..., :cd] -= centre[None, :, None, :]
        if self.rotate and main.any():
            first = keypoint[0, np.argmax(person_frames[0]), :, :3]  # (V, 3)
            spine = first[self.zaxis[1]] - first[self.zaxis[0]]
            rot_z = rotation_between(spine, np.array([0.0, 0.0, 1.0]))
            shoulder = rot_z @ (first[self.xaxis[0]] - first[self.xaxis[1]])
            shoulder[2] = 0  # turn about z only: the spine stays on z
            rot_x = rotation_between(shoulder, np.array([1.0, 0.0, 0.0]))
            matrix = (rot_x @ rot_z).astype(np.float32)
            keypoint[..., :3] = keypoint[..., :3] @ matrix.T
        keypoint[..., :cd] *= present[..., None]
        results['keypoint'] = keypoint
        results['total_frames'] = keypoint.shape[1]
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(layout={self.layout!r}, '
                f'center={self.center!r}, center_joint={self.center_joint}, '
                f'rotate={self.rotate}, zaxis={self.zaxis}, '
                f'xaxis={self.xaxis}, coord_dims={self.coord_dims})')
