"""Recognise the action of one skeleton sequence with a trained model.

The model is built by mmaction2's own ``init_recognizer`` (our configs load
the plugin through ``custom_imports``); the sequence goes through the
config's test pipeline exactly as a test-set sample would, so the scores
equal those of ``tools/test.py`` for the same sequence.

Inputs are ``keypoint`` arrays ``(M, T, V, C)`` (or ``(T, V, C)`` for one
person): C is x, y, z for NTU RGB+D and x, y, score for 2-D layouts.
:func:`load_skeleton_input` reads them from an NTU ``.skeleton`` file, a
``.npy`` array, one sample of an annotation ``.pkl``, or a pose estimator's
output (mmpose / OpenPose JSON, ``.npz``, CSV) as
``tools/data/convert_poses.py`` reads it.
"""
import os.path as osp
from typing import Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
import torch
from mmaction.apis import inference_recognizer
from mmaction.apis import init_recognizer as _mmaction_init_recognizer
from mmengine.dataset import Compose
from mmengine.registry import init_default_scope

import lsta_mm  # noqa: F401  (registers lsta_mm before models are built)
from lsta_mm.datasets.ntu_raw import load_ntu_skeleton
from lsta_mm.safe_pickle import safe_load_pickle
from lsta_mm.label_maps import default_label_map, load_label_map

__all__ = [
    'init_recognizer', 'load_skeleton_input', 'make_skeleton_sample',
    'config_test_pipeline', 'inference_skeleton_array', 'recognize_skeleton',
    'top_k_labels', 'num_classes_of', 'check_input_fits_model',
    'input_layout'
]

SUPPORTED_SUFFIXES = ('.skeleton', '.npy', '.pkl')
#: pose-estimator outputs, read (and persons tracked) as convert_poses.py
#: reads them; they need the model's layout
POSE_SUFFIXES = ('.json', '.npz', '.csv')


def init_recognizer(config, checkpoint=None, device='cuda:0'):
    """mmaction2's ``init_recognizer``, loading the checkpoint strictly.

    mmaction2 loads with ``strict=False``, so a checkpoint of another
    architecture or class count only logs a warning and predicts with
    partly random weights. Here the model is built without weights, the
    checkpoint is read through lsta_mm's safe loader and checked to fit
    exactly (:func:`lsta_mm.engine.verify_checkpoint_file`: one error listing
    the mismatched keys), then loaded.

    Args:
        config (str | Config): Model config.
        checkpoint (str, optional): Checkpoint file; None keeps the
            initial weights.
        device (str): Device to put the model on.

    Returns:
        nn.Module: The recognizer in eval mode, with ``.cfg``.
    """
    model = _mmaction_init_recognizer(config, None, device=device)
    if checkpoint is not None:
        from lsta_mm.engine.checkpoint_check import (config_streams,
                                                     verify_checkpoint_file)
        state = verify_checkpoint_file(
            model, checkpoint, streams=config_streams(model.cfg))
        weights = state.get('state_dict', state)
        model.load_state_dict(weights, strict=True)
        meta = state.get('meta', {})
        if 'dataset_meta' in meta:
            model.dataset_meta = meta['dataset_meta']
        model.to(device)
    model.eval()
    return model


def _check_keypoint(keypoint, source: str) -> np.ndarray:
    keypoint = np.asarray(keypoint)
    if keypoint.ndim == 3:
        keypoint = keypoint[None]  # one person: (1, T, V, C)
    if keypoint.ndim != 4:
        raise ValueError(f'{source}: keypoint has shape {keypoint.shape}; '
                         f'expected (T, V, C) or (M, T, V, C)')
    if not np.issubdtype(keypoint.dtype, np.number):
        raise ValueError(f'{source}: keypoint has non-numeric dtype '
                         f'{keypoint.dtype}')
    m, t, v, c = keypoint.shape
    if m == 0 or t == 0:
        raise ValueError(f'{source}: the sequence is empty ({m} persons, '
                         f'{t} frames)')
    if c < 2:
        raise ValueError(f'{source}: keypoint has {c} channels; expected '
                         f'x, y(, z or score)')
    if not np.isfinite(keypoint).all():
        raise ValueError(f'{source}: keypoint holds NaN or infinite values')
    return keypoint.astype(np.float32)


def _select_sample(data, path: str, sample: Union[int, str, None]) -> dict:
    annotations = data.get('annotations') if isinstance(data, dict) else data
    if isinstance(data, dict) and annotations is None and 'keypoint' in data:
        annotations = [data]  # a single annotation dict
    if not isinstance(annotations, (list, tuple)) or not annotations:
        raise ValueError(f'{path}: expected an annotation file (a dict with '
                         f'`annotations`, or a list of samples)')
    if sample is None:
        if len(annotations) != 1:
            raise ValueError(f'{path} holds {len(annotations)} samples: '
                             f'choose one by index or frame_dir')
        return annotations[0]
    if isinstance(sample, str) and not sample.lstrip('-').isdigit():
        for anno in annotations:
            if isinstance(anno, dict) and anno.get('frame_dir') == sample:
                return anno
        raise KeyError(f'{path} has no sample with frame_dir {sample!r}')
    index = int(sample)
    if not -len(annotations) <= index < len(annotations):
        raise IndexError(f'{path} has {len(annotations)} samples; index '
                         f'{index} is out of range')
    return annotations[index]


def load_skeleton_input(path: str,
                        sample: Union[int, str, None] = None,
                        max_person: int = 2,
                        layout: Union[str, dict, None] = None) -> Dict:
    """Read one sequence from a file.

    Args:
        path (str): An NTU RGB+D ``.skeleton`` file, a ``.npy`` array
            ``(T, V, C)`` or ``(M, T, V, C)``, an annotation ``.pkl``
            (mmaction2 format; loaded with the restricted unpickler), or a
            pose estimator's clip (``.json`` of mmpose or OpenPose,
            ``.npz``, ``.csv``; a folder of OpenPose per-frame files),
            read, tracked and checked as ``tools/data/convert_poses.py``
            does.
        sample (int | str, optional): For a ``.pkl``: the sample's index
            or ``frame_dir``. Not needed when the file holds one sample.
        max_person (int): Bodies kept from a ``.skeleton`` file or a pose
            estimator's clip.
        layout (str | dict, optional): The model's layout; needed for a
            pose estimator's clip (joint count and coordinates).

    Returns:
        dict: ``keypoint`` ``(M, T, V, C)`` float32, ``frame_dir``, and
        ``keypoint_score`` ``(M, T, V)`` / ``label`` when the source has
        them.
    """
    suffix = osp.splitext(path)[1].lower()
    if osp.isdir(path) or (suffix in POSE_SUFFIXES and osp.isfile(path)):
        return _load_pose_clip(path, layout, max_person)
    if not osp.isfile(path):
        raise FileNotFoundError(f'input {path} does not exist')
    if suffix not in SUPPORTED_SUFFIXES:
        raise ValueError(f'{path}: unsupported input type {suffix!r}; '
                         f'expected one of '
                         f'{SUPPORTED_SUFFIXES + POSE_SUFFIXES}')
    if sample is not None and suffix != '.pkl':
        raise ValueError(f'{path}: a sample is only chosen inside a .pkl')
    name = osp.splitext(osp.basename(path))[0]
    if suffix == '.skeleton':
        anno = load_ntu_skeleton(path, max_person=max_person)
        if anno['keypoint'].shape[0] == 0:
            raise ValueError(f'{path}: the file contains no body')
        result = dict(frame_dir=anno['frame_dir'], label=anno['label'])
        result['keypoint'] = _check_keypoint(anno['keypoint'], path)
        return result
    if suffix == '.npy':
        try:
            array = np.load(path, allow_pickle=False)
        except ValueError as err:
            raise ValueError(f'{path}: not a plain numeric .npy array '
                             f'({err})') from None
        return dict(frame_dir=name, keypoint=_check_keypoint(array, path))
    anno = _select_sample(safe_load_pickle(path), path, sample)
    if not isinstance(anno, dict) or 'keypoint' not in anno:
        raise ValueError(f'{path}: the chosen sample has no keypoint')
    source = f'{path} ({anno.get("frame_dir", sample)})'
    result = dict(frame_dir=str(anno.get('frame_dir', name)))
    result['keypoint'] = _check_keypoint(anno['keypoint'], source)
    if anno.get('keypoint_score') is not None:
        score = np.asarray(anno['keypoint_score'], dtype=np.float32)
        if score.shape != result['keypoint'].shape[:-1]:
            raise ValueError(f'{source}: keypoint_score has shape '
                             f'{score.shape}, keypoint '
                             f'{result["keypoint"].shape}')
        result['keypoint_score'] = score
    if 'label' in anno:
        result['label'] = int(anno['label'])
    return result


def _load_pose_clip(path: str, layout: Union[str, dict, None],
                    max_person: int) -> Dict:
    """A pose estimator's clip, as one converted annotation (label -1)."""
    from lsta_mm.datasets.custom_data import clip_to_annotation
    if layout is None:
        raise ValueError(f'{path}: a pose estimator\'s clip needs the '
                         f'model\'s layout to be read')
    name = osp.splitext(osp.basename(osp.normpath(path)))[0]
    anno = clip_to_annotation((path, name, -1), layout,
                              max_person=max_person)
    anno.pop('label')
    return anno


def input_layout(model) -> Union[str, dict, None]:
    """The layout a model's test pipeline reads (its first step that names
    one), or None."""
    if hasattr(model, 'layout'):  # an ONNX Runtime recognizer
        return model.layout
    cfg = getattr(model, 'cfg', None)
    if cfg is None:
        return None
    try:
        steps = config_test_pipeline(cfg)
    except KeyError:
        return None
    for step in steps:
        if 'layout' in step:
            return step['layout']
    return None


def make_skeleton_sample(keypoint: np.ndarray,
                         keypoint_score: Optional[np.ndarray] = None,
                         frame_dir: str = 'input',
                         img_shape: Optional[Tuple[int, int]] = None) -> Dict:
    """The dict a test pipeline expects for one sequence (label -1)."""
    keypoint = _check_keypoint(keypoint, frame_dir)
    sample = dict(
        frame_dir=frame_dir,
        label=-1,
        keypoint=keypoint,
        total_frames=keypoint.shape[1],
        start_index=0,
        modality='Pose')
    if keypoint_score is not None:
        sample['keypoint_score'] = np.asarray(keypoint_score, np.float32)
    if img_shape is not None:
        sample['img_shape'] = tuple(img_shape)
        sample['original_shape'] = tuple(img_shape)
    return sample


def config_test_pipeline(cfg) -> List[dict]:
    """The config's test pipeline: ``test_dataloader``'s dataset pipeline
    (unwrapping dataset wrappers), else the ``test_pipeline`` variable."""
    loader = cfg.get('test_dataloader')
    dataset = loader.get('dataset') if loader else None
    while dataset is not None and 'pipeline' not in dataset:
        dataset = dataset.get('dataset')
    if dataset is not None:
        return list(dataset['pipeline'])
    if cfg.get('test_pipeline') is not None:
        return list(cfg.test_pipeline)
    raise KeyError('the config has neither test_dataloader.dataset.pipeline '
                   'nor test_pipeline')


def check_input_fits_model(model: torch.nn.Module, keypoint: np.ndarray,
                           keypoint_score: Optional[np.ndarray],
                           source: str) -> None:
    """Refuse a sequence whose joints or channels the model cannot take.

    Compares ``keypoint`` ``(M, T, V, C)`` (plus one channel for
    ``keypoint_score``) with the backbone's joint count (``num_node``, or
    its ``graph.num_node`` as in mmaction2's GCNs) and ``in_channels`` (a
    multi-stream model's first stream: all read the same joints).

    Raises:
        ValueError: One line naming ``source``, both shapes and the fix.
    """
    if _is_onnx(model):  # an exported file states what it takes
        expected_joints, in_channels = model.num_joints, model.in_channels
        layout = model.layout
    else:
        backbone = getattr(_single_stream(model), 'backbone', None)
        expected_joints = getattr(backbone, 'num_node', None) or getattr(
            getattr(backbone, 'graph', None), 'num_node', None)
        in_channels = getattr(backbone, 'in_channels', None)
        layout = model.cfg.get('model', {}).get('backbone', {}).get(
            'graph_cfg', {}).get('layout', 'custom')
    _, _, joints, channels = keypoint.shape
    if expected_joints is not None and joints != expected_joints:
        name = layout if isinstance(layout, str) else 'custom'
        raise ValueError(
            f'{source}: {joints} joints per person, but the model was '
            f'built for the {name!r} layout with {expected_joints}; convert '
            f'the skeleton to that layout or use a model trained on '
            f'{joints}-joint data')
    given = channels + (keypoint_score is not None)
    if in_channels is not None and given != in_channels:
        scored = ' plus a score' if keypoint_score is not None else ''
        raise ValueError(
            f'{source}: {channels} channels per joint{scored}, but the '
            f'model takes {in_channels} (x, y, z for 3-D layouts; x, y and '
            f'a score for 2-D ones); give the data the model was trained on')


def inference_skeleton_array(model: torch.nn.Module,
                             keypoint: np.ndarray,
                             keypoint_score: Optional[np.ndarray] = None,
                             frame_dir: str = 'input',
                             img_shape: Optional[Tuple[int, int]] = None,
                             test_pipeline: Optional[Sequence] = None):
    """Run one in-memory sequence through the test pipeline and the model.

    Args:
        model (nn.Module | ONNXRecognizer): From :func:`init_recognizer`
            (has ``.cfg``), or an exported file
            (:func:`~lsta_mm.apis.onnx_inference.init_onnx_recognizer`),
            which runs the test pipeline stored in it.
        keypoint (np.ndarray): ``(M, T, V, C)`` or ``(T, V, C)``.
        keypoint_score (np.ndarray, optional): ``(M, T, V)``.
        frame_dir (str): Name used in messages.
        img_shape (tuple, optional): ``(h, w)`` for 2-D image keypoints.
        test_pipeline (list, optional): Defaults to the model config's.

    Returns:
        ActionDataSample: ``pred_score`` holds the class scores
        (probabilities for ``GCNHead``).
    """
    sample = make_skeleton_sample(keypoint, keypoint_score, frame_dir,
                                  img_shape)
    check_input_fits_model(model, sample['keypoint'], keypoint_score,
                           frame_dir)
    if _is_onnx(model):
        return model.inference(sample, test_pipeline)
    cfg = model.cfg
    init_default_scope(cfg.get('default_scope', 'mmaction'))
    pipeline = Compose(test_pipeline or config_test_pipeline(cfg))
    return inference_recognizer(model, sample, pipeline)


def _is_onnx(model) -> bool:
    from .onnx_inference import ONNXRecognizer
    return isinstance(model, ONNXRecognizer)


def _single_stream(model: torch.nn.Module) -> torch.nn.Module:
    """The recognizer itself, or a multi-stream model's first stream."""
    from lsta_mm.models import MultiStreamRecognizer
    if isinstance(model, MultiStreamRecognizer):
        return model.stream_model()
    return model


def num_classes_of(model: torch.nn.Module) -> Optional[int]:
    """Classes of a recognizer's head (every stream of a multi-stream
    model has the same), or of an exported file."""
    if _is_onnx(model):
        return model.num_classes
    return getattr(
        getattr(_single_stream(model), 'cls_head', None), 'num_classes',
        None)


def top_k_labels(scores,
                 topk: int = 5,
                 label_map: Union[str, Sequence[str], None] = None
                 ) -> List[Tuple[str, float]]:
    """``[(class name, score), ...]`` of the ``topk`` best classes.

    ``label_map`` is a shipped map name, a file, a list of names, or None
    (the shipped map with as many classes, else ``'class <index>'``).
    """
    scores = torch.as_tensor(scores).float().reshape(-1)
    if label_map is None:
        label_map = default_label_map(scores.numel())
    if isinstance(label_map, str):
        label_map = load_label_map(label_map)
    if label_map is not None and len(label_map) != scores.numel():
        raise ValueError(f'the label map has {len(label_map)} names but the '
                         f'model scores {scores.numel()} classes')
    values, indices = scores.topk(min(topk, scores.numel()))
    return [(label_map[i] if label_map is not None else f'class {i}',
             float(v)) for v, i in zip(values.tolist(), indices.tolist())]


def recognize_skeleton(model: torch.nn.Module,
                       keypoint: np.ndarray,
                       keypoint_score: Optional[np.ndarray] = None,
                       topk: int = 5,
                       label_map: Union[str, Sequence[str], None] = None,
                       **kwargs) -> List[Tuple[str, float]]:
    """Top-k ``(class name, score)`` of an in-memory sequence.

    Args:
        model (nn.Module): From :func:`init_recognizer`.
        keypoint (np.ndarray): ``(M, T, V, C)`` or ``(T, V, C)``.
        keypoint_score (np.ndarray, optional): ``(M, T, V)``.
        topk (int): How many classes. Defaults to 5.
        label_map: See :func:`top_k_labels`; an exported file's own class
            names by default.
        **kwargs: Passed to :func:`inference_skeleton_array`.
    """
    result = inference_skeleton_array(model, keypoint, keypoint_score,
                                      **kwargs)
    if label_map is None and _is_onnx(model):
        label_map = model.class_names  # stored at export (or None)
    return top_k_labels(result.pred_score, topk, label_map)
