"""Your own clips into mmaction2's annotation pkl (tools/data/convert_poses).

A clip is one file of a pose estimator's output (see
:mod:`lsta_mm.datasets.pose_readers`). Clips come either as a folder tree
``root/<class>/<clip>.<ext>`` (labels from the sorted folder names) or as a
flat folder with a labels CSV (``clip,label``). Unordered detections are
tracked into persons and the best ``max_person`` kept
(:mod:`lsta_mm.datasets.person_tracking`); every annotation is checked with
the dataset's own checks (:mod:`lsta_mm.datasets.validation`) and the file
is written atomically together with a label map (one class name per line,
what :func:`lsta_mm.label_maps.load_label_map` reads).
"""
import csv
import os
import os.path as osp
from functools import partial
from typing import Dict, List, Optional, Sequence, Tuple, Union

import mmengine
import numpy as np
from mmengine.utils import track_parallel_progress, track_progress

from lsta_mm.engine.atomic_io import atomic_write_bytes, atomic_write_text
from lsta_mm.safe_pickle import save_annotations
from lsta_mm.utils.topology import get_topology
from .person_tracking import select_persons, track_persons
from .pose_readers import (FORMATS, OPENPOSE_FRAME, ConversionError, read_clip)
from .validation import (AnnotationError, check_sample, check_split,
                         validate_annotations)

__all__ = [
    'ClipItem', 'ConversionError', 'clip_to_annotation', 'convert_clips',
    'label_map_path', 'list_class_tree', 'list_labelled_clips', 'load_layout',
    'read_split_file', 'stratified_split'
]

#: One clip to convert: (file, sample name, label).
ClipItem = Tuple[str, str, int]


def load_layout(value: str) -> Union[str, dict]:
    """A layout name, or the dict of a ``.json`` / ``.yaml`` file.

    Raises:
        ConversionError: the file is missing or does not define a layout.
    """
    if not value.endswith(('.json', '.yaml', '.yml')):
        get_topology(value)  # an unknown name fails here, with the names
        return value
    if not osp.isfile(value):
        raise ConversionError(f'{value}: layout file does not exist')
    try:
        layout = mmengine.load(value)
        get_topology(layout)
    except (ValueError, TypeError, KeyError) as err:
        raise ConversionError(f'{value}: not a layout dict with num_node, '
                              f'inward and center ({err})') from None
    return layout


def _extensions(fmt: str) -> Tuple[str, ...]:
    if fmt == 'auto':
        return tuple(e for exts in FORMATS.values() for e in exts)
    return FORMATS[fmt]


def _is_clip(folder: str, name: str, fmt: str) -> bool:
    """A clip file of ``fmt``, or a folder of OpenPose per-frame files."""
    path = osp.join(folder, name)
    if osp.isdir(path):
        return fmt in ('auto', 'openpose') and any(
            OPENPOSE_FRAME.search(f) for f in os.listdir(path))
    return name.lower().endswith(_extensions(fmt))


def list_class_tree(root: str,
                    fmt: str = 'auto') -> Tuple[List[ClipItem], List[str]]:
    """Clips of ``root/<class>/<clip>.<ext>`` (or ``root/<class>/<clip>/``
    of OpenPose per-frame files); labels follow the sorted class names.
    Sample names are ``<class>/<clip>``.

    Raises:
        ConversionError: ``root`` is not a folder, has no class folder, or a
            class folder has no clip.
    """
    if not osp.isdir(root):
        raise ConversionError(f'{root}: not a folder')
    classes = sorted(
        d for d in os.listdir(root)
        if osp.isdir(osp.join(root, d)) and not d.startswith('.'))
    if not classes:
        raise ConversionError(f'{root}: no class folders (expected '
                              f'root/<class>/<clip>.<ext>)')
    extensions = _extensions(fmt)
    items = []
    for label, name in enumerate(classes):
        folder = osp.join(root, name)
        clips = sorted(
            f for f in os.listdir(folder) if _is_clip(folder, f, fmt))
        if not clips:
            raise ConversionError(
                f'{folder}: class folder has no clips (no '
                f'{"/".join(extensions)} files or OpenPose frame folders)')
        for clip in clips:
            items.append(
                (osp.join(folder,
                          clip), f'{name}/{osp.splitext(clip)[0]}', label))
    return items, classes


def list_labelled_clips(
        folder: str,
        labels_csv: str,
        fmt: str = 'auto') -> Tuple[List[ClipItem], Optional[List[str]]]:
    """Clips of a flat folder labelled by a CSV with ``clip,label`` rows.

    ``clip`` is the file name with or without extension. Labels are class
    names (numbered in sorted order) or, when all are integers, label
    indices (then no class names are returned).
    """
    if not osp.isfile(labels_csv):
        raise ConversionError(f'{labels_csv}: labels file does not exist')
    if not osp.isdir(folder):
        raise ConversionError(f'{folder}: not a folder')
    with open(labels_csv, newline='') as handle:
        rows = [r for r in csv.reader(handle) if any(c.strip() for c in r)]
    if rows and [c.strip() for c in rows[0][:2]] == ['clip', 'label']:
        rows = rows[1:]
    if not rows or any(len(r) < 2 for r in rows):
        raise ConversionError(f'{labels_csv}: expected rows `clip,label` '
                              f'(a header `clip,label` is optional)')
    files = {}
    for name in os.listdir(folder):
        if _is_clip(folder, name, fmt):
            files[name] = name
            files.setdefault(osp.splitext(name)[0], name)
    values = [r[1].strip() for r in rows]
    numeric = all(v.lstrip('-').isdigit() for v in values)
    classes = None if numeric else sorted(set(values))
    items = []
    for clip, value in zip((r[0].strip() for r in rows), values):
        if clip not in files:
            raise ConversionError(f'{labels_csv}: clip {clip!r} has no file '
                                  f'in {folder}')
        label = int(value) if numeric else classes.index(value)
        items.append(
            (osp.join(folder,
                      files[clip]), osp.splitext(files[clip])[0], label))
    return items, classes


def stratified_split(items: Sequence[ClipItem],
                     val_ratio: float = 0.2,
                     seed: int = 0) -> Dict[str, List[str]]:
    """``train`` / ``val`` names with ``val_ratio`` of every class in val
    (at least one when a class has two clips or more, never all)."""
    rng = np.random.default_rng(seed)
    by_label: Dict[int, List[str]] = {}
    for _, name, label in items:
        by_label.setdefault(label, []).append(name)
    val = set()
    for label in sorted(by_label):
        names = by_label[label]
        count = int(round(val_ratio * len(names)))
        if len(names) > 1:
            count = min(max(count, 1 if val_ratio > 0 else 0), len(names) - 1)
        else:
            count = 0
        val.update(names[i] for i in rng.permutation(len(names))[:count])
    names = [name for _, name, _ in items]
    return dict(
        train=[n for n in names if n not in val],
        val=[n for n in names if n in val])


def read_split_file(path: str) -> Dict[str, List[str]]:
    """A ``.json`` / ``.yaml`` dict of split name -> sample names."""
    if not osp.isfile(path):
        raise ConversionError(f'{path}: split file does not exist')
    try:
        split = mmengine.load(path)
    except Exception as err:  # the parsers' errors differ by format
        raise ConversionError(f'{path}: cannot read the split file '
                              f'({type(err).__name__}: {err})') from None
    if not isinstance(split, dict) or not all(
            isinstance(v, list) for v in split.values()):
        raise ConversionError(f'{path}: expected a dict of split name -> '
                              f'list of sample names')
    return {str(k): [str(n) for n in v] for k, v in split.items()}


def clip_to_annotation(item: ClipItem,
                       layout: Union[str, dict],
                       fmt: str = 'auto',
                       max_person: int = 2,
                       rank_by: str = 'score',
                       max_gap: int = 10,
                       max_distance: float = 1.0,
                       img_shape: Optional[Tuple[int, int]] = None) -> dict:
    """Read, track, select and check one clip.

    Returns:
        dict: An annotation of mmaction2's format: ``frame_dir``,
        ``label``, ``keypoint`` ``(M, T, V, C)`` float32, ``total_frames``;
        for 2-D layouts ``keypoint_score`` ``(M, T, V)`` and, when given,
        ``img_shape`` / ``original_shape``.

    Raises:
        ConversionError: one line naming the file and the problem.
    """
    path, name, label = item
    topology = get_topology(layout)
    coord_dims = topology.coord_dims
    clip = read_clip(path, fmt, topology.num_node, coord_dims)
    if isinstance(clip, tuple):
        keypoint, score = clip
    else:
        keypoint, score = track_persons(
            clip, max_gap=max_gap, max_distance=max_distance)
    num_frames = keypoint.shape[1]
    keypoint, score = select_persons(keypoint, score, max_person, coord_dims,
                                     rank_by)
    if num_frames == 0 or keypoint.shape[0] == 0:
        raise ConversionError(f'{path}: empty clip: '
                              f'{num_frames} frames, no person detected')
    anno = dict(
        frame_dir=name,
        label=int(label),
        keypoint=np.ascontiguousarray(keypoint, dtype=np.float32),
        total_frames=num_frames)
    if coord_dims == 2:  # mmaction2's 2-D convention: scores apart
        anno['keypoint_score'] = np.ascontiguousarray(score, np.float32)
        if img_shape is not None:
            anno['img_shape'] = anno['original_shape'] = tuple(img_shape)
    message = check_sample(anno, topology.num_node, coord_dims,
                           topology.in_channels)
    if message is not None:
        raise ConversionError(f'{path}: {message}')
    return anno


def _convert_one(item: ClipItem, **kwargs):
    """Worker: ``(annotation, None)`` or ``(None, error line)``."""
    try:
        return clip_to_annotation(item, **kwargs), None
    except (ConversionError, OSError) as err:
        return None, str(err)
    except (ValueError, TypeError, KeyError, IndexError) as err:
        # a file of the right kind with values of the wrong type
        return None, (f'{item[0]}: not readable as '
                      f'{kwargs.get("fmt", "auto")} pose data '
                      f'({type(err).__name__}: {err})')


def label_map_path(out: str) -> str:
    """The label map beside ``out``: ``<out stem>_classes.txt``."""
    return osp.splitext(out)[0] + '_classes.txt'


def convert_clips(items: Sequence[ClipItem],
                  out: str,
                  layout: Union[str, dict],
                  classes: Optional[Sequence[str]] = None,
                  split: Optional[Dict[str, List[str]]] = None,
                  split_source: str = 'split',
                  val_ratio: float = 0.2,
                  seed: int = 0,
                  workers: int = 1,
                  progress: bool = True,
                  **clip_kwargs) -> Dict[str, int]:
    """Convert clips and write ``out`` (and its label map) atomically.

    Args:
        items (Sequence[ClipItem]): The clips.
        out (str): The ``.pkl`` to write.
        layout (str | dict): Skeleton layout of the clips.
        classes (Sequence[str], optional): Class names, written one per
            line to :func:`label_map_path`.
        split (dict, optional): Split name -> sample names; default: a
            stratified ``train`` / ``val`` split.
        split_source (str): Where ``split`` came from, for messages.
        val_ratio (float): Share of each class in ``val``. Defaults to 0.2.
        seed (int): Seed of the split. Defaults to 0.
        workers (int): Processes that read clips. Defaults to 1.
        progress (bool): Show mmengine's progress bar. Defaults to True.
        **clip_kwargs: ``fmt``, ``max_person``, ``rank_by``, ``max_gap``,
            ``max_distance``, ``img_shape`` of :func:`clip_to_annotation`.

    Returns:
        dict: ``samples``, the size of each split.

    Raises:
        ConversionError: Any clip is unusable (one line per clip) or the
            result fails the dataset's checks; nothing is written then.
    """
    if not items:
        raise ConversionError(f'{out}: no clips to convert')
    job = partial(_convert_one, layout=layout, **clip_kwargs)
    if not progress:
        results = list(map(job, items))
    elif workers > 1:
        results = track_parallel_progress(job, list(items), nproc=workers)
    else:
        results = track_progress(job, list(items))
    errors = [error for _, error in results if error is not None]
    if errors:
        raise ConversionError('\n'.join(errors))
    annotations = [anno for anno, _ in results]
    if split is None:
        split = stratified_split(items, val_ratio, seed)
    else:
        names = [anno['frame_dir'] for anno in annotations]
        try:
            for name in split:
                check_split(split, name, names, split_source)
        except AnnotationError as err:
            raise ConversionError(str(err)) from None
    num_classes = len(classes) if classes is not None else None
    problems, summary = validate_annotations(
        dict(split=split, annotations=annotations),
        out,
        layout=layout,
        num_classes=num_classes,
        in_channels=get_topology(layout).in_channels)
    if problems:
        raise ConversionError('\n'.join(str(p) for p in problems))
    if classes is None:
        save_annotations(out, split, annotations)
        return summary
    label_map = label_map_path(out)
    previous = None
    if osp.isfile(label_map):
        with open(label_map, 'rb') as handle:
            previous = handle.read()
    atomic_write_text(label_map, ''.join(f'{c}\n' for c in classes))
    try:
        save_annotations(out, split, annotations)
    except BaseException:  # the pkl stays as it was: so does its label map
        if previous is None:
            os.remove(label_map)
        else:
            atomic_write_bytes(label_map, previous)
        raise
    return summary
