"""Checks of skeleton annotation files, shared by the dataset and the CLI.

An annotation file follows mmaction2's ``PoseDataset`` format: a dict with
``split`` (split name -> list of sample names) and ``annotations`` (a list
of dicts with ``frame_dir``, ``label``, ``keypoint`` ``(M, T, V, C)``,
``total_frames`` and, for 2-D data, optionally ``keypoint_score``
``(M, T, V)``). Every problem is reported as one line naming the file and
the sample, so a bad sample can be found and fixed.
"""
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple, Union

import numpy as np

from lsta_mm.utils.topology import get_topology
from .ntu_raw import person_activity  # noqa: F401  (re-exported)
from .transforms.skeleton_streams import default_coord_dims

__all__ = [
    'AnnotationError', 'Problem', 'check_sample', 'check_split',
    'check_structure', 'person_activity', 'sample_name',
    'validate_annotations'
]


class AnnotationError(ValueError):
    """An annotation file or sample cannot be used as configured."""


@dataclass
class Problem:
    """One bad sample: where it is and what is wrong."""
    source: str
    sample: str
    message: str

    def __str__(self) -> str:
        return f'{self.source}: sample {self.sample}: {self.message}'


def sample_name(anno: dict, index: int) -> str:
    """``frame_dir`` (or ``filename``) of a sample, else ``#index``."""
    if isinstance(anno, dict):
        for key in ('frame_dir', 'filename'):
            if key in anno:
                return str(anno[key])
    return f'#{index}'


def check_structure(data, source: str) -> Tuple[Optional[dict], list]:
    """Check the top level of an annotation file.

    Returns:
        tuple: ``(split, annotations)``; ``split`` is None for a bare list
        of annotations (allowed by mmaction2 when no split is configured).

    Raises:
        AnnotationError: not a dict with ``split`` and ``annotations``.
    """
    if isinstance(data, list):
        return None, data
    if not isinstance(data, dict):
        raise AnnotationError(
            f'{source}: expected a dict with `split` and `annotations`, '
            f'got {type(data).__name__}')
    missing = [key for key in ('split', 'annotations') if key not in data]
    if missing:
        raise AnnotationError(
            f'{source}: the annotation dict has no '
            f'{" and no ".join(repr(k) for k in missing)} key (found keys '
            f'{sorted(map(str, data))}); expected mmaction2\'s format '
            f'dict(split=..., annotations=[...])')
    split, annotations = data['split'], data['annotations']
    if not isinstance(split, dict):
        raise AnnotationError(
            f'{source}: `split` must be a dict of name -> sample names, '
            f'got {type(split).__name__}')
    if not isinstance(annotations, list):
        raise AnnotationError(f'{source}: `annotations` must be a list, got '
                              f'{type(annotations).__name__}')
    return split, annotations


def check_split(split: dict, name: str, known: Sequence[str],
                source: str) -> List[str]:
    """Check that split ``name`` exists and names only known samples.

    Returns:
        list[str]: The split's sample names.

    Raises:
        AnnotationError: unknown split name, or unknown samples.
    """
    if name not in split:
        raise AnnotationError(
            f'{source}: split {name!r} does not exist; the file has splits '
            f'{sorted(split)}')
    names = [str(n) for n in split[name]]
    unknown = sorted(set(names) - set(known))
    if unknown:
        shown = ', '.join(unknown[:5])
        more = f' and {len(unknown) - 5} more' if len(unknown) > 5 else ''
        raise AnnotationError(
            f'{source}: split {name!r} names {len(unknown)} sample(s) that '
            f'are not in `annotations`: {shown}{more}')
    return names


def check_sample(anno,
                 num_node: Optional[int] = None,
                 coord_dims: Optional[int] = None,
                 in_channels: Optional[int] = None,
                 num_classes: Optional[int] = None) -> Optional[str]:
    """Return the first problem of one sample, or None when it is usable.

    Args:
        anno (dict): The sample.
        num_node (int, optional): Joints V of the configured layout.
        coord_dims (int, optional): Coordinate channels of the layout.
        in_channels (int, optional): Channels the stream must deliver
            (coordinates plus score).
        num_classes (int, optional): Labels must lie in
            ``[0, num_classes)``.
    """
    if not isinstance(anno, dict):
        return f'is a {type(anno).__name__}, not a dict'
    if 'keypoint' not in anno:
        return f'has no `keypoint` (keys: {sorted(map(str, anno))})'
    keypoint = anno['keypoint']
    if not isinstance(keypoint, np.ndarray):
        return f'`keypoint` is a {type(keypoint).__name__}, not an ndarray'
    if keypoint.ndim != 4:
        return (f'`keypoint` has rank {keypoint.ndim} (shape '
                f'{keypoint.shape}); expected (M, T, V, C)')
    num_person, num_frames, joints, channels = keypoint.shape
    if num_node is not None and joints != num_node:
        return (f'`keypoint` has {joints} joints (shape {keypoint.shape}) '
                f'but the layout has {num_node}')
    score = anno.get('keypoint_score')
    if score is not None:
        if not isinstance(score, np.ndarray) or score.shape != \
                keypoint.shape[:3]:
            return (f'`keypoint_score` shape '
                    f'{getattr(score, "shape", None)} does not match '
                    f'keypoint (M, T, V) = {keypoint.shape[:3]}')
    total = channels + (score is not None)
    if coord_dims is not None and channels < coord_dims:
        return (f'`keypoint` has {channels} channels but the layout has '
                f'{coord_dims} coordinates')
    if in_channels is not None and total != in_channels:
        what = f'{channels}' + (' + keypoint_score' if score is not None
                                else '')
        return (f'`keypoint` gives {what} = {total} channels but the stream '
                f'expects in_channels={in_channels}')
    if num_person == 0 or num_frames == 0:
        return f'is empty: keypoint shape {keypoint.shape}'
    if not np.isfinite(keypoint).all() or (
            score is not None and not np.isfinite(score).all()):
        bad = np.argwhere(~np.isfinite(keypoint))
        where = (f' (first at person {bad[0][0]}, frame {bad[0][1]}, joint '
                 f'{bad[0][2]})' if len(bad) else ' in keypoint_score')
        return f'has NaN or inf coordinates{where}'
    coords = keypoint[..., :coord_dims] if coord_dims else keypoint
    if not coords.any():
        return 'is all zeros: no person is present in any frame'
    if 'label' in anno and num_classes is not None:
        label = anno['label']
        if not isinstance(label, (int, np.integer)) or isinstance(
                label, bool):
            return f'label {label!r} is not an integer'
        if not 0 <= int(label) < num_classes:
            return (f'label {int(label)} is outside [0, {num_classes}) '
                    f'(num_classes={num_classes})')
    return None


def validate_annotations(data,
                         source: str,
                         layout: Union[str, dict, None] = None,
                         num_classes: Optional[int] = None,
                         splits: Optional[Sequence[str]] = None,
                         in_channels: Optional[int] = None,
                         coord_dims: Optional[int] = None
                         ) -> Tuple[List[Problem], Dict[str, int]]:
    """Run every check on a loaded annotation file.

    Args:
        data: The unpickled file.
        source (str): File name for messages.
        layout (str | dict, optional): Expected skeleton layout.
        num_classes (int, optional): Expected number of classes.
        splits (Sequence[str], optional): Split names that must exist.
        in_channels (int, optional): Channels the stream must deliver.
        coord_dims (int, optional): Coordinate channels; defaults to the
            layout's.

    Returns:
        tuple: ``(problems, summary)`` where ``summary`` counts samples,
        bad samples and split sizes. Structural problems (missing keys,
        unknown split) are returned as problems of sample ``-``.
    """
    problems: List[Problem] = []
    try:
        split, annotations = check_structure(data, source)
    except AnnotationError as err:
        return [Problem(source, '-', str(err).split(': ', 1)[1])], {}
    num_node = None
    if layout is not None:
        num_node = get_topology(layout).num_node
        if coord_dims is None:
            coord_dims = default_coord_dims(layout)
    names = [sample_name(a, i) for i, a in enumerate(annotations)]
    seen = set()
    for index, (anno, name) in enumerate(zip(annotations, names)):
        if name in seen:
            problems.append(Problem(source, name, 'appears twice'))
        seen.add(name)
        message = check_sample(anno, num_node, coord_dims, in_channels,
                               num_classes)
        if message is not None:
            problems.append(Problem(source, name, message))
    summary = dict(samples=len(annotations), bad=len(problems))
    if split is not None:
        for name in splits or ():
            if name not in split:
                problems.append(
                    Problem(source, '-', f'split {name!r} does not exist; '
                            f'the file has splits {sorted(split)}'))
        for name in split:
            try:
                summary[f'split {name}'] = len(
                    check_split(split, name, names, source))
            except AnnotationError as err:
                problems.append(
                    Problem(source, '-', str(err).split(': ', 1)[1]))
    return problems, summary
