"""Your data in one config: the facts of a dataset stated once.

mmengine merges a config over its ``_base_`` but never carries a variable
of the child into the dicts of the base, so a plain child config has to
repeat ``num_classes`` (head and dataset), the annotation file (three
loaders) and the layout (backbone graph, pipelines, datasets). In a config
file, :func:`dataset_config` writes all of those dicts from one statement
of each fact::

    _base_ = ['lsta_ntu60_xsub_joint.py']  # model, schedule, runtime
    from lsta_mm.datasets.dataset_config import dataset_config
    model, train_dataloader, val_dataloader, test_dataloader = \\
        dataset_config(ann_file='data/my_clips.pkl', num_classes=5,
                       layout='coco')

The returned dicts merge over the base's as any child dicts do (the
datasets replace the base's whole, ``_delete_``), the saved config
(``work_dir/*.py``) holds the resulting dicts, and mmaction2's own
``tools/train.py`` reads such a config too (lsta_mm must be importable,
as ``custom_imports`` already requires).
"""
from typing import Dict, List, Optional, Tuple, Union

from lsta_mm.utils.topology import get_topology
from .custom_data import load_layout
from .transforms.skeleton_streams import BONE_STREAMS, stream_tuple

__all__ = [
    'DEFAULT_BONE_ROOT', 'DEFAULT_CLIP_READING', 'dataset_config',
    'stream_pipeline', 'stream_loaders'
]


#: How lsta_mm's configs read a clip out of a recording, where
#: ``SkeletonStream``'s own defaults are the paper's reading (every frame,
#: padded to ``clip_len`` by replaying the recording). A clip covers 100
#: recorded frames at one rate (every ``ceil(100 / clip_len)``-th frame:
#: every frame at the paper's T = 300, every second one at a 50-frame
#: clip), so an action's rate and duration stay visible; a longer
#: recording is stretched onto the clip; a shorter one is followed by its
#: last frame held, which neither repeats a movement nor jumps to an empty
#: skeleton. Measured on the learning benchmark: docs/model.md, "How a
#: short clip is read".
DEFAULT_CLIP_READING = dict(longer='uniform', frame_span=100, pad_mode='edge')

#: The centre joint's bone in lsta_mm's configs' bone streams (``bone``,
#: ``bone_motion``), where ``SkeletonStream``'s own default, ``'zero'``, is
#: the paper's and 2s-AGCN's bone. ``'position'`` keeps the centre joint's
#: place after normalisation: zero for the main person, where a second
#: person stands for them, so bones still tell two persons walking towards
#: each other from walking apart. Measured on the learning benchmark:
#: docs/model.md, factor table.
DEFAULT_BONE_ROOT = 'position'


def stream_pipeline(test_mode: bool = False,
                    clip_reading: Optional[Dict] = None,
                    **stream_args) -> List[Dict]:
    """A loader's pipeline: ``SkeletonStream(**stream_args)`` (with
    ``test_mode=True`` for evaluation) and mmaction2's
    ``PackActionInputs``.

    Args:
        test_mode (bool): An evaluation pipeline. Defaults to False.
        clip_reading (dict, optional): ``SkeletonStream`` arguments that
            say how a clip is read, used where ``stream_args`` does not
            give them. Defaults to None: :data:`DEFAULT_CLIP_READING`.
            ``{}`` leaves them to ``SkeletonStream``'s own defaults, the
            paper's reading (every frame, replayed to ``clip_len``).
        **stream_args: ``SkeletonStream`` arguments. A bone stream without
            ``bone_root`` gets :data:`DEFAULT_BONE_ROOT`; ``bone_root='zero'``
            is the paper's bone.
    """
    reading = DEFAULT_CLIP_READING if clip_reading is None else clip_reading
    stream = dict(type='SkeletonStream', **stream_args)
    for key, value in reading.items():
        stream.setdefault(key, value)
    if any(name in BONE_STREAMS
           for name in stream_tuple(stream_args.get('stream', 'joint'))):
        stream.setdefault('bone_root', DEFAULT_BONE_ROOT)
    if test_mode:
        stream['test_mode'] = True
    return [stream, dict(type='PackActionInputs', meta_keys=('frame_dir', ))]


def stream_loaders(**stream_args) -> Tuple[Dict, Dict, Dict]:
    """``(train_dataloader, val_dataloader, test_dataloader)`` overrides
    that read every sample with one ``SkeletonStream(**stream_args)``
    (:func:`stream_pipeline`: ``clip_reading`` as there), training and
    evaluation alike (evaluation in ``test_mode``). A config
    that changes only how clips are read states it once::

        from lsta_mm.datasets.dataset_config import stream_loaders
        train_dataloader, val_dataloader, test_dataloader = stream_loaders(
            layout='nturgb+d', stream='joint', clip_len=300, frame_span=200)
    """
    train = dict(dataset=dict(pipeline=stream_pipeline(**stream_args)))
    test = dict(
        dataset=dict(pipeline=stream_pipeline(True, **stream_args)))
    return train, test, test


def dataset_config(ann_file: str,
                   num_classes: int,
                   layout: Union[str, dict],
                   *,
                   stream: str = 'joint',
                   clip_len: Optional[int] = None,
                   num_person: int = 2,
                   train_split: str = 'train',
                   val_split: str = 'val',
                   test_split: Optional[str] = None,
                   test_clips: int = 1,
                   batch_size: Optional[int] = None,
                   num_workers: Optional[int] = None
                   ) -> Tuple[Dict, Dict, Dict, Dict]:
    """``(model, train_dataloader, val_dataloader, test_dataloader)``
    overrides for a dataset.

    Args:
        ann_file (str): Annotation ``.pkl`` (e.g. from
            ``tools/data/convert_poses.py``) or a store directory.
        num_classes (int): Classes; the head's outputs and the labels'
            range.
        layout (str | dict): A layout name (``'coco'``, ``'openpose'``,
            ``'nturgb+d'``, ...), a layout dict (``num_node``, ``inward``,
            ``center``, optionally ``coord_dims``) or a ``.json``/``.yaml``
            file with one; used for the graph, the streams and the checks.
        stream (str): The stream of a single-stream model: ``'joint'``,
            ``'bone'``, ``'joint_motion'`` or ``'bone_motion'``. Defaults
            to ``'joint'``.
        clip_len (int, optional): Frames per clip. Defaults to None (the
            transform's default, the paper's 300).
        num_person (int): Persons per clip M (network and pipeline).
            Defaults to 2.
        train_split, val_split (str): Split names in the file. Default to
            ``'train'`` and ``'val'`` (what the pose converters write).
        test_split (str, optional): Defaults to ``val_split``.
        test_clips (int): Clips per test sequence (``num_clips`` of the
            test pipeline). Defaults to 1.
        batch_size, num_workers (int, optional): Per loader; None keeps
            the base config's.

    Returns:
        tuple[dict]: the four config dicts, in that order.
    """
    if isinstance(layout, str) and layout.endswith(('.json', '.yaml',
                                                    '.yml')):
        layout = load_layout(layout)
    topology = get_topology(layout)  # an unknown layout fails here
    if not isinstance(stream, str):
        raise ValueError(
            f'dataset_config writes single-stream configs; got streams '
            f'{stream!r} (the multi-stream configs, e.g. '
            f'configs/lsta_ntu60_xsub_3s.py, list one model per stream)')
    if int(num_classes) != num_classes or num_classes < 1:
        raise ValueError(f'num_classes must be a positive integer, got '
                         f'{num_classes!r}')
    stream_args = dict(layout=layout, stream=stream, num_person=num_person)
    if clip_len is not None:
        stream_args['clip_len'] = clip_len
    train_pipeline = stream_pipeline(**stream_args)

    def test_pipeline(clips):
        return stream_pipeline(True, num_clips=clips, **stream_args)

    def loader(split, pipeline, test_mode):
        out = dict(
            dataset=dict(
                _delete_=True,
                type='LSTAPoseDataset',
                ann_file=ann_file,
                split=split,
                layout=layout,
                num_classes=num_classes,
                num_person=num_person,
                pipeline=pipeline,
                test_mode=test_mode))
        if batch_size is not None:
            out['batch_size'] = batch_size
        if num_workers is not None:
            out['num_workers'] = num_workers
            out['persistent_workers'] = num_workers > 0
        return out

    model = dict(
        backbone=dict(
            graph_cfg=dict(_delete_=True, layout=layout),
            in_channels=topology.in_channels,
            num_person=num_person),
        cls_head=dict(num_classes=num_classes))
    return (model, loader(train_split, train_pipeline, False),
            loader(val_split, test_pipeline(1), True),
            loader(test_split or val_split, test_pipeline(test_clips), True))
