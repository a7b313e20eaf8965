"""Export a trained recognizer to ONNX, checked against torch before writing.

The graph is the recognizer's whole test-time forward for a batch of
pipeline outputs: backbone, head and the clip averaging of the head
(``average_clips='prob'``: softmax, then mean over clips), and for a
:class:`~lsta_mm.models.MultiStreamRecognizer` every stream and the
weighted fusion of their probabilities (paper section 3.3). Its output is
therefore exactly the ``pred_score`` of ``model.test_step`` and of
:func:`lsta_mm.apis.inference_skeleton_array`.

Input ``skeleton``: ``(N, num_clips, M, T, V, C)`` float32, or
``(N, num_clips, S, M, T, V, C)`` for S streams; N, num_clips and T are
dynamic. Output ``scores``: ``(N, num_classes)``.

Nothing is written unless the file passes ``onnx.checker`` and ONNX
Runtime agrees with the torch model (max abs difference of the scores within
``tolerance``) on random inputs at every checked length, with a batch of 2
and with 2 clips, plus any real inputs given; the file is then written
atomically (temporary name, then rename).
"""
import copy
import io
import os.path as osp
import warnings
from typing import Callable, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from mmaction.structures import ActionDataSample
from mmengine.dataset import Compose
from mmengine.registry import init_default_scope

import lsta_mm
from lsta_mm.engine.atomic_io import atomic_write_bytes
from lsta_mm.engine.checkpoint_check import config_streams
from lsta_mm.label_maps import default_label_map, load_label_map
from lsta_mm.models import MultiStreamRecognizer
from lsta_mm.models.modules.utils import TemporalAvgPool
from .onnx_model import (create_session, import_onnx, import_onnxruntime,
                         set_metadata)

__all__ = [
    'DEFAULT_CHECK_FRAMES', 'DEFAULT_OPSET', 'DEFAULT_TOLERANCE',
    'ExportTemporalAvgPool', 'ExportableRecognizer', 'ParityError',
    'describe_model', 'export_onnx', 'input_shape_of', 'parity_cases',
    'prepare_for_export', 'torch_scores'
]

#: Opset of the exported graph.
DEFAULT_OPSET = 17
#: Clip lengths the file is checked at besides the config's ``clip_len``.
DEFAULT_CHECK_FRAMES = (50, 100, 300)
#: Largest accepted difference between torch's and ONNX Runtime's scores.
DEFAULT_TOLERANCE = 1e-4
INPUT_NAME = 'skeleton'
OUTPUT_NAME = 'scores'


class ParityError(RuntimeError):
    """ONNX Runtime's scores differ from torch's by more than allowed."""


class ExportTemporalAvgPool(nn.Module):
    """:class:`~lsta_mm.models.modules.utils.TemporalAvgPool` for export.

    Same averages: ``avg_pool2d`` with ``ceil_mode=True`` and no padding
    averages a last, shorter window over the frames it has, as
    ``TemporalAvgPool`` does. What changed and why: ``TemporalAvgPool``
    decides in Python whether such a window exists (``if full < t``), and a
    traced graph keeps the decision of the example's T: a file traced at
    T = 48 dropped the last frame at T = 50 (25 frames into the next
    stride; scores off by 4e-4). ``avg_pool2d`` becomes one ``AveragePool``
    whose output length follows T.

    Args:
        stride (int): Window length and step.

    Shape:
        x: (N*M, C, T, V) -> (N*M, C, ceil(T / stride), V)
    """

    def __init__(self, stride: int) -> None:
        super().__init__()
        self.stride = stride

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Average each window of ``stride`` frames of ``(N*M, C, T, V)``."""
        return F.avg_pool2d(
            x, (self.stride, 1), (self.stride, 1), ceil_mode=True)


def prepare_for_export(model: nn.Module) -> nn.Module:
    """A copy of ``model`` in eval mode whose ``TemporalAvgPool`` modules
    are :class:`ExportTemporalAvgPool` (``model`` is left as it is)."""
    model = copy.deepcopy(model).cpu().eval()
    for parent in list(model.modules()):
        for name, child in list(parent.named_children()):
            if isinstance(child, TemporalAvgPool):
                setattr(parent, name, ExportTemporalAvgPool(child.stride))
    return model


class ExportableRecognizer(nn.Module):
    """A recognizer's test-time forward as one function of a tensor.

    Single-stream recognizers run as in their ``predict``
    (``extract_feat``, head, ``average_clip``); a
    :class:`~lsta_mm.models.MultiStreamRecognizer` runs its own
    ``stream_scores`` and ``fuse``.

    Args:
        recognizer (nn.Module): A recognizer with ``extract_feat`` and
            ``cls_head`` (e.g. ``RecognizerGCN``), or a
            ``MultiStreamRecognizer``; pass it through
            :func:`prepare_for_export` first.

    Shape:
        skeleton: (N, num_clips, M, T, V, C), or (N, num_clips, S, M, T, V,
        C) for S streams -> (N, num_classes)
    """

    def __init__(self, recognizer: nn.Module) -> None:
        super().__init__()
        self.recognizer = recognizer

    def forward(self, skeleton: torch.Tensor) -> torch.Tensor:
        """The scores of ``model.test_step``'s ``pred_score``."""
        model = self.recognizer
        if isinstance(model, MultiStreamRecognizer):
            return model.fuse(model.stream_scores(skeleton))
        feats, kwargs = model.extract_feat(skeleton, test_mode=True)
        cls_scores = model.cls_head(feats, **kwargs)  # (N*clips, classes)
        return model.cls_head.average_clip(
            cls_scores, num_segs=skeleton.shape[1])  # (N, classes)


def torch_scores(model: nn.Module, inputs: torch.Tensor) -> np.ndarray:
    """``pred_score`` of ``model``'s own ``predict`` for a batch.

    Args:
        model (nn.Module): The recognizer (not the export copy).
        inputs (torch.Tensor): ``(N, num_clips, [S,] M, T, V, C)``.

    Returns:
        np.ndarray: ``(N, num_classes)``.
    """
    samples = [ActionDataSample() for _ in range(inputs.shape[0])]
    device = next(model.parameters()).device
    with torch.no_grad():
        results = model(inputs.to(device), samples, mode='predict')
    return torch.stack([r.pred_score for r in results]).cpu().numpy()


def _stream_model(model: nn.Module) -> nn.Module:
    if isinstance(model, MultiStreamRecognizer):
        return model.stream_model()
    return model


def _backbone_cfg(cfg) -> dict:
    model_cfg = cfg.model
    if model_cfg.get('type') == 'MultiStreamRecognizer':
        model_cfg = model_cfg.streams[0]['model']
    return model_cfg.get('backbone', {})


def _test_pipeline(cfg) -> List[dict]:
    from lsta_mm.apis.inference import config_test_pipeline
    return config_test_pipeline(cfg)


def input_shape_of(model: nn.Module,
                   pipeline: Optional[Sequence[dict]] = None
                   ) -> Tuple[int, ...]:
    """The shape the test pipeline gives one sample, ``(num_clips, [S,] M,
    T, V, C)``, found by running the pipeline on a random sequence of the
    backbone's joints and channels (the pipeline decides M and T)."""
    from lsta_mm.apis.inference import make_skeleton_sample
    backbone = _stream_model(model).backbone
    joints = getattr(backbone, 'num_node', None) or getattr(
        getattr(backbone, 'graph', None), 'num_node', None)
    channels = getattr(backbone, 'in_channels', 3)
    rng = np.random.default_rng(0)
    keypoint = rng.uniform(0.1, 1.0, (1, 20, joints, channels))
    init_default_scope(model.cfg.get('default_scope', 'mmaction'))
    data = Compose(pipeline or _test_pipeline(model.cfg))(
        make_skeleton_sample(keypoint.astype(np.float32), frame_dir='probe'))
    return tuple(data['inputs'].shape)


def _json_safe(value):
    """Config values as plain JSON types (tuples as lists)."""
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


def resolve_class_names(model: nn.Module, num_classes: int,
                        label_map: Union[str, Sequence[str], None]
                        ) -> Optional[List[str]]:
    """Class names: ``label_map`` (a shipped map name, a file or a list),
    else the checkpoint's ``dataset_meta['classes']``, else the shipped map
    with ``num_classes`` names, else None."""
    names = None
    if label_map is not None:
        names = load_label_map(label_map) if isinstance(label_map, str) \
            else list(label_map)
    elif (getattr(model, 'dataset_meta', None) or {}).get('classes'):
        names = list(model.dataset_meta['classes'])
    elif default_label_map(num_classes) is not None:
        names = load_label_map(default_label_map(num_classes))
    if names is not None and len(names) != num_classes:
        raise ValueError(f'the label map has {len(names)} names but the '
                         f'model scores {num_classes} classes')
    return names


def describe_model(model: nn.Module,
                   label_map: Union[str, Sequence[str], None] = None,
                   source: Optional[Dict] = None) -> Dict:
    """The metadata of an export of ``model`` (a recognizer with ``.cfg``,
    from :func:`lsta_mm.apis.init_recognizer`); see
    :mod:`lsta_mm.deployment.onnx_model`. ``parity`` is filled in by
    :func:`export_onnx`."""
    cfg = model.cfg
    pipeline = _test_pipeline(cfg)
    shape = input_shape_of(model, pipeline)
    streams = config_streams(cfg) or ('joint', )
    multi = isinstance(model, MultiStreamRecognizer)
    if multi:
        streams = tuple(model.stream_names)
        if shape[1] != len(streams):
            raise ValueError(
                f'the test pipeline gives {shape[1]} streams but the model '
                f'has {len(streams)} ({", ".join(streams)})')
    head = _stream_model(model).cls_head
    num_classes = int(head.num_classes)
    m, t, v, c = shape[-4:]
    layout = _backbone_cfg(cfg).get('graph_cfg', {}).get('layout', 'custom')
    dims = ['N', 'num_clips'] + (['S'] if multi else []) + [
        'M', 'T', 'V', 'C'
    ]
    return dict(
        input_layout=', '.join(dims),
        input_shape=[None, None] + ([shape[1]] if multi else []) +
        [m, None, v, c],
        output=_output_kind(model, head),
        layout=_json_safe(layout),
        streams=list(streams),
        clip_len=int(t),
        num_person=int(m),
        num_joints=int(v),
        in_channels=int(c),
        num_classes=num_classes,
        class_names=resolve_class_names(model, num_classes, label_map),
        test_pipeline=_json_safe(pipeline),
        default_scope=cfg.get('default_scope', 'mmaction'),
        parity=None,
        source=dict(lsta_mm=lsta_mm.__version__, torch=torch.__version__,
                    **(source or {})))


def _output_kind(model: nn.Module, head: nn.Module) -> str:
    kind = 'probabilities' if getattr(head, 'average_clips',
                                      None) == 'prob' else 'scores'
    if isinstance(model, MultiStreamRecognizer):
        weights = [model.weights[name] for name in model.stream_names]
        return f'weighted sum of the streams\' {kind} (weights {weights})'
    return kind


def parity_cases(clip_len: int, check_frames: Sequence[int]
                 ) -> List[Tuple[int, int, int]]:
    """``(batch, num_clips, T)`` of the random checks: a batch of 2 at
    ``clip_len``, one sample at every length of ``check_frames``, and 2
    clips at the shortest length (the dynamic axes each vary once)."""
    lengths = list(dict.fromkeys([int(clip_len)] + list(check_frames)))
    cases = [(2, 1, lengths[0])] + [(1, 1, t) for t in lengths[1:]]
    cases.append((1, 2, min(lengths)))
    return cases


def _export_bytes(wrapper: nn.Module, example: torch.Tensor, opset: int,
                  multi: bool) -> bytes:
    """The TorchScript-based exporter's graph (eval mode: batch norms
    folded into the convolutions before them)."""
    frames_axis = 4 if multi else 3
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        # the deprecation note of the TorchScript-based exporter, and the
        # tracer's notes on Python ints taken from shapes (each checked by
        # the parity test at other lengths)
        warnings.simplefilter('ignore')
        torch.onnx.export(
            wrapper, (example, ),
            buffer,
            dynamo=False,
            export_params=True,
            opset_version=opset,
            do_constant_folding=True,
            training=torch.onnx.TrainingMode.EVAL,
            input_names=[INPUT_NAME],
            output_names=[OUTPUT_NAME],
            dynamic_axes={
                INPUT_NAME: {
                    0: 'N',
                    1: 'num_clips',
                    frames_axis: 'T'
                },
                OUTPUT_NAME: {
                    0: 'N'
                }
            })
    return buffer.getvalue()


def _run_session(session, inputs: np.ndarray) -> np.ndarray:
    """ONNX Runtime's scores ``(N, num_classes)`` for ``inputs``."""
    return session.run([OUTPUT_NAME], {INPUT_NAME: inputs})[0]


def export_onnx(model: nn.Module,
                out_file: str,
                label_map: Union[str, Sequence[str], None] = None,
                opset: int = DEFAULT_OPSET,
                check_frames: Sequence[int] = DEFAULT_CHECK_FRAMES,
                example_frames: Optional[int] = None,
                tolerance: float = DEFAULT_TOLERANCE,
                real_inputs: Sequence[np.ndarray] = (),
                seed: int = 0,
                num_threads: Optional[int] = None,
                source: Optional[Dict] = None,
                log: Optional[Callable[[str], None]] = None) -> Dict:
    """Export ``model``, check it, and write it to ``out_file``.

    Args:
        model (nn.Module): From :func:`lsta_mm.apis.init_recognizer` (has
            ``.cfg``); not modified.
        out_file (str): The ``.onnx`` file; written only after every check
            passed, atomically.
        label_map: Class names for the metadata (see
            :func:`resolve_class_names`).
        opset (int): ONNX opset. Defaults to 17.
        check_frames (Sequence[int]): Lengths T checked besides the
            config's ``clip_len``. Defaults to (50, 100, 300).
        example_frames (int, optional): T of the traced example. Defaults
            to the config's ``clip_len``.
        tolerance (float): Largest accepted max abs difference of the
            scores. Defaults to 1e-4.
        real_inputs (Sequence[np.ndarray]): Pipeline outputs ``(num_clips,
            [S,] M, T, V, C)`` of real sequences, checked too.
        seed (int): Seed of the random inputs.
        num_threads (int, optional): ONNX Runtime threads for the check.
        source (dict, optional): Recorded under ``source`` (config,
            checkpoint).
        log (callable, optional): Receives one line per check.

    Returns:
        dict: The metadata written, ``parity`` holding ``max_abs_diff`` and
        one ``(batch, num_clips, T, diff)`` entry per check.

    Raises:
        MissingDeployDependency: onnx or onnxruntime is missing.
        ParityError: A difference exceeds ``tolerance`` (nothing written).
    """
    onnx = import_onnx()
    import_onnxruntime()
    log = log or (lambda line: None)
    metadata = describe_model(model, label_map, source)
    multi = isinstance(model, MultiStreamRecognizer)
    fixed = metadata['input_shape']
    clip_len = metadata['clip_len']

    def random_input(batch, clips, frames, generator):
        shape = [batch, clips] + [frames if d is None else d
                                  for d in fixed[2:]]
        return torch.randn(shape, generator=generator)

    generator = torch.Generator().manual_seed(seed)
    wrapper = ExportableRecognizer(prepare_for_export(model)).eval()
    example = random_input(1, 1, example_frames or clip_len, generator)
    data = _export_bytes(wrapper, example, opset, multi)
    proto = onnx.load_from_string(data)
    set_metadata(proto, metadata)
    onnx.checker.check_model(proto, full_check=True)
    session = create_session(proto.SerializeToString(), num_threads)

    model.eval()
    checks = []
    for batch, clips, frames in parity_cases(clip_len, check_frames):
        inputs = random_input(batch, clips, frames, generator)
        diff = float(
            np.abs(
                _run_session(session, inputs.numpy()) -
                torch_scores(model, inputs)).max())
        checks.append(dict(batch=batch, num_clips=clips, frames=frames,
                           input='random', max_abs_diff=diff))
        log(f'random input, batch {batch}, {clips} clip(s), T = {frames}: '
            f'max |ORT - torch| = {diff:.2e}')
    for index, array in enumerate(real_inputs):
        inputs = torch.as_tensor(np.asarray(array, np.float32))[None]
        diff = float(
            np.abs(
                _run_session(session, inputs.numpy()) -
                torch_scores(model, inputs)).max())
        checks.append(dict(batch=1, num_clips=int(inputs.shape[1]),
                           frames=int(inputs.shape[-3]),
                           input=f'real {index}', max_abs_diff=diff))
        log(f'real input {index}, T = {inputs.shape[-3]}: max |ORT - torch| '
            f'= {diff:.2e}')
    worst = max(check['max_abs_diff'] for check in checks)
    if not worst <= tolerance:  # also catches NaN
        bad = [c for c in checks if not c['max_abs_diff'] <= tolerance][0]
        raise ParityError(
            f'ONNX Runtime differs from torch by {worst:.2e} > tolerance '
            f'{tolerance:g} (first at {bad["input"]} input, batch '
            f'{bad["batch"]}, T = {bad["frames"]}); {out_file} was not '
            f'written')
    metadata['parity'] = dict(
        max_abs_diff=worst, tolerance=tolerance, opset=opset, checks=checks)
    set_metadata(proto, dict(parity=metadata['parity']))
    atomic_write_bytes(osp.abspath(out_file), proto.SerializeToString())
    return metadata
