"""Joint and frame importance from the last LSTA block (paper Fig. 3).

Paper: section 3.4, "Visualisation": the output feature maps of the last
LSTA block are shown as (TOP) a circle around every joint whose size is the
joint's importance and (BOTTOM) the importance of every input frame, scaled
to [0, 1].

Reading used here. A forward hook on the layer (default: the backbone's
last block, ``backbone.blocks.-1`` for ``LSTANet``) captures its output
``F`` of shape ``(N*M, C, T', V)``. The response of person ``m`` at feature
step ``t'`` and joint ``v`` is the L2 norm over channels,
``r[m, t', v] = ||F[m, :, t', v]||``. Then

* joint importance = ``r`` averaged over time, min-max scaled to [0, 1]
  over the joints of the persons present;
* frame importance = ``r`` averaged over present persons and joints, carried
  from the ``T'`` feature steps back to the ``T`` clip positions (linear
  interpolation between step centres: every step covers ``T / T'`` input
  frames), averaged over the clip positions that replay the same source
  frame, and min-max scaled to [0, 1] over the sequence's source frames.

Persons that the pipeline added as zeros (fewer people than ``num_person``)
are left out.

``importance='cam'`` replaces the channel norm by the class activation map of
the predicted class, ``r[m, t', v] = sum_c w[k, c] F[m, c, t', v]`` with the
``GCNHead``'s linear weights ``w`` (exact for the block that feeds the head,
because the head only averages over persons, T' and V before its linear
layer): how much each joint and step adds to the predicted class's score.
"""
import copy
import os.path as osp
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch
from mmengine.dataset import Compose, pseudo_collate
from mmengine.registry import init_default_scope

from lsta_mm.utils.topology import get_topology
from .inference import (check_input_fits_model, config_test_pipeline,
                        make_skeleton_sample, num_classes_of)

__all__ = [
    'DEFAULT_LAYERS', 'resolve_layer', 'feature_importance',
    'draw_joint_importance', 'draw_frame_importance'
]

#: Layers tried in turn when none is named: LSTANet's last LSTA block,
#: then mmaction2's ST-GCN / 2s-AGCN last block.
DEFAULT_LAYERS = ('backbone.blocks.-1', 'backbone.gcn.-1')
#: Transforms that turn joints into bones or motion; dropped to get the
#: joints the skeleton is drawn from.
_STREAM_TRANSFORMS = ('JointToBone', 'ToMotion', 'MergeSkeFeat')


def _get_child(module: torch.nn.Module, name: str) -> torch.nn.Module:
    if name.lstrip('-').isdigit():
        return module[int(name)]
    return getattr(module, name)


def resolve_layer(model: torch.nn.Module,
                  layer: Optional[str] = None) -> Tuple[str, torch.nn.Module]:
    """The module to hook, from a dotted path (``-1`` indexes lists).

    With ``layer=None`` the :data:`DEFAULT_LAYERS` are tried; for a
    ``MultiStreamRecognizer`` they are looked up in its first stream.
    """
    from lsta_mm.models import MultiStreamRecognizer
    if layer is None and isinstance(model, MultiStreamRecognizer):
        first = model.stream_names[0]
        candidates = [f'models.{first}.{path}' for path in DEFAULT_LAYERS]
    elif layer is None:
        candidates = list(DEFAULT_LAYERS)
    else:
        candidates = [layer]
    for path in candidates:
        module = model
        try:
            for part in path.split('.'):
                module = _get_child(module, part)
        except (AttributeError, IndexError, KeyError, TypeError):
            continue
        return path, module
    raise ValueError(
        f'cannot find layer {candidates[0] if layer else candidates} in '
        f'{type(model).__name__}; name the layer to visualise with a dotted '
        f'path such as backbone.blocks.-1')


def _one_clip_pipeline(cfg, joints: bool = False) -> List[dict]:
    """The test pipeline with one clip; with ``joints`` every stream is
    set to joints (the same frames, to draw the skeleton the model saw)."""
    steps = []
    for step in copy.deepcopy(config_test_pipeline(cfg)):
        kind = step.get('type')
        if joints and kind in _STREAM_TRANSFORMS:
            continue
        if joints and kind in ('SkeletonStream', 'ToSkeletonStream'):
            step['stream'] = 'joint'
        if joints and kind == 'GenSkeFeat':
            step['feats'] = ['j']
        if kind == 'UniformSampleFrames' or (kind == 'SkeletonStream'
                                             and 'num_clips' in step):
            step['num_clips'] = 1
        steps.append(step)
    return steps


def _run_pipeline(steps: Sequence[dict], sample: dict) -> Tuple[dict, dict]:
    """Packed sample, and the results just before packing (keypoint and
    frame_inds of the clip)."""
    pipeline = Compose(steps)
    results = sample
    before_pack = None
    for transform in pipeline.transforms:
        if type(transform).__name__ == 'PackActionInputs':
            before_pack = dict(results)
        results = transform(results)
        if results is None:
            raise ValueError(f'{sample.get("frame_dir")}: the pipeline '
                             f'step {transform!r} dropped the sample')
    if before_pack is None:
        raise ValueError('the test pipeline has no PackActionInputs step')
    return results, before_pack


def _first_clip(keypoint: np.ndarray) -> np.ndarray:
    keypoint = np.asarray(keypoint)
    if keypoint.ndim == 5:  # (num_clips, M, T, V, C) from FormatGCNInput
        keypoint = keypoint[0]
    return keypoint  # (M, T, V, C)


def _frame_importance(per_step: np.ndarray, clip_len: int,
                      frame_inds: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """Feature steps -> clip positions -> source frames, scaled to [0, 1]."""
    steps = per_step.shape[0]
    centres = (np.arange(steps) + 0.5) * clip_len / steps - 0.5
    per_position = np.interp(np.arange(clip_len), centres, per_step)
    frame_inds = np.asarray(frame_inds).reshape(-1)[:clip_len]
    valid = frame_inds >= 0
    frames = np.unique(frame_inds[valid])
    values = np.array(
        [per_position[frame_inds == f].mean() for f in frames])
    return frames, _min_max(values)


def _head_weight(model: torch.nn.Module, path: str,
                 channels: int) -> torch.Tensor:
    """``(num_classes, C)`` linear weights of the head fed by ``path``."""
    owner = model
    if path.startswith('models.'):  # a stream of a MultiStreamRecognizer
        owner = model.stream_model(path.split('.')[1])
    fc = getattr(getattr(owner, 'cls_head', None), 'fc', None)
    weight = getattr(fc, 'weight', None)
    if weight is None or weight.shape[1] != channels:
        raise ValueError(
            f'importance="cam" needs the block that feeds a GCNHead-style '
            f'linear classifier; layer {path} has {channels} channels')
    return weight.detach().float().cpu()


def _min_max(values: np.ndarray) -> np.ndarray:
    """Scale to [0, 1]; all ones when every value is the same."""
    if values.size == 0:
        return values
    span = float(values.max() - values.min())
    if span <= 0:
        return np.ones_like(values)
    return (values - values.min()) / span


def feature_importance(model: torch.nn.Module,
                       keypoint: np.ndarray,
                       keypoint_score: Optional[np.ndarray] = None,
                       frame_dir: str = 'input',
                       layer: Optional[str] = None,
                       importance: str = 'response') -> Dict:
    """Joint and frame importance of one sequence (paper Fig. 3).

    Args:
        model (nn.Module): From :func:`lsta_mm.apis.init_recognizer`.
        keypoint (np.ndarray): ``(M, T, V, C)`` or ``(T, V, C)``.
        keypoint_score (np.ndarray, optional): ``(M, T, V)``.
        frame_dir (str): Sample name.
        layer (str, optional): Dotted path of the layer to hook. Defaults
            to the backbone's last block.
        importance (str): ``'response'`` (channel L2 norm, the paper's
            feature responses) or ``'cam'`` (class activation map of the
            predicted class). Defaults to ``'response'``.

    Returns:
        dict: ``joint_importance`` ``(P, V)`` in [0, 1] for the ``P``
        persons present; ``frames`` ``(F,)`` source frame indices and
        ``frame_importance`` ``(F,)`` in [0, 1]; ``joints`` ``(P, T, V, C)``
        the joint clip the network saw (after normalisation and padding);
        ``frame_inds`` ``(T,)``; ``response`` ``(P, T', V)``;
        ``pred_score`` ``(num_classes,)``; ``layer``; ``frame_dir``.
    """
    if importance not in ('response', 'cam'):
        raise ValueError(f"importance must be 'response' or 'cam', got "
                         f'{importance!r}')
    cfg = model.cfg
    init_default_scope(cfg.get('default_scope', 'mmaction'))
    sample = make_skeleton_sample(keypoint, keypoint_score, frame_dir)
    check_input_fits_model(model, sample['keypoint'], keypoint_score,
                           frame_dir)
    # the model's input (its own streams) and the joints of the same frames
    packed, _ = _run_pipeline(_one_clip_pipeline(cfg), copy.deepcopy(sample))
    _, before = _run_pipeline(
        _one_clip_pipeline(cfg, joints=True), copy.deepcopy(sample))
    joints = _first_clip(before['keypoint'])  # (M, T, V, C)
    m, t = joints.shape[:2]
    frame_inds = before.get('frame_inds')
    if frame_inds is None:
        frame_inds = np.arange(t)
    frame_inds = np.asarray(frame_inds).reshape(-1)[:t]
    if m == 0:
        raise ValueError(f'{frame_dir}: the pipeline left no person')

    path, module = resolve_layer(model, layer)
    captured = []

    def hook(_module, _inputs, output):
        captured.append(output[0] if isinstance(output, tuple) else output)

    handle = module.register_forward_hook(hook)
    try:
        with torch.no_grad():
            result = model.test_step(pseudo_collate([packed]))[0]
    finally:
        handle.remove()
    if not captured:
        raise RuntimeError(f'layer {path} was not run by the model')
    feat = captured[0].detach().float().cpu()
    if feat.dim() == 5:  # (N, M, C, T', V)
        feat = feat.flatten(0, 1)
    if feat.dim() != 4 or feat.shape[-1] != joints.shape[2]:
        raise ValueError(f'layer {path} gives shape {tuple(feat.shape)}; '
                         f'expected (N*M, C, T\', V={joints.shape[2]})')
    feat = feat[:m]  # first clip: (M, C, T', V)
    if importance == 'response':
        response = feat.norm(dim=1).numpy()  # (M, T', V)
    else:
        weight = _head_weight(model, path, feat.shape[1])  # (K, C)
        best = int(result.pred_score.argmax())
        response = torch.einsum('c,mctv->mtv', weight[best], feat).numpy()

    present = np.flatnonzero(np.abs(joints).reshape(m, -1).max(1) > 0)
    if present.size == 0:
        raise ValueError(f'{frame_dir}: every person is all zeros')
    response = response[present]
    joint_imp = _min_max(response.mean(axis=1))  # (P, V)
    frames, frame_imp = _frame_importance(
        response.mean(axis=(0, 2)), t, frame_inds)
    return dict(
        frame_dir=frame_dir,
        layer=path,
        importance=importance,
        response=response,
        joint_importance=joint_imp,
        frames=frames,
        frame_importance=frame_imp,
        joints=joints[present],
        frame_inds=frame_inds,
        pred_score=result.pred_score.cpu().numpy(),
        num_classes=num_classes_of(model))


# ---------------------------------------------------------------------------
# Drawing (matplotlib, no display needed)
# ---------------------------------------------------------------------------
def _pyplot():
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    return plt


def _view_axes(joints: np.ndarray, layout) -> Tuple[int, int, bool]:
    """Horizontal and vertical coordinate for a front view, and whether to
    flip the vertical one. 2-D: x and image y (pointing down). 3-D: the
    largest extent is the body height, the second the width."""
    coords = joints[..., :3] if joints.shape[-1] >= 3 else joints[..., :2]
    topology = get_topology(layout)
    if coords.shape[-1] == 2 or topology.coord_dims == 2:
        return 0, 1, True
    present = np.abs(coords).sum(-1) > 0
    pts = coords[present] if present.any() else coords.reshape(-1, 3)
    extent = pts.max(0) - pts.min(0)
    vertical = int(np.argmax(extent))
    rest = [a for a in range(3) if a != vertical]
    horizontal = max(rest, key=lambda a: extent[a])
    flip = False
    top = topology.top_joint
    centre = topology.center
    if top is not None and present.any():
        heights = coords[..., vertical]
        flip = bool(np.mean(heights[..., top] - heights[..., centre]) < 0)
    return horizontal, vertical, flip


def _draw_skeleton(ax, pose: np.ndarray, layout, axes, importance=None,
                   colour='tab:blue'):
    """One person's skeleton ``(V, C)`` and importance circles."""
    from matplotlib.patches import Circle
    h, v, flip = axes
    x = pose[:, h]
    y = -pose[:, v] if flip else pose[:, v]
    for child, parent in get_topology(layout).inward:
        ax.plot([x[child], x[parent]], [y[child], y[parent]],
                color=colour, linewidth=1.5, zorder=2)
    ax.scatter(x, y, s=8, color='black', zorder=3)
    if importance is not None:
        # the most important joint gets a radius of 6% of the body size
        scale = max(np.ptp(x), np.ptp(y), 1e-6) * 0.06
        for xi, yi, w in zip(x, y, importance):
            ax.add_patch(
                Circle((xi, yi), radius=scale * (0.1 + 0.9 * w),
                       facecolor='limegreen', edgecolor='green', alpha=0.45,
                       zorder=1))


def _figure(plt, size_px: Tuple[int, int], dpi: int, **kwargs):
    width, height = size_px
    return plt.figure(figsize=(width / dpi, height / dpi), dpi=dpi, **kwargs)


def _title(info: Dict, class_names: Optional[Sequence[str]]) -> str:
    score = info['pred_score']
    best = int(np.argmax(score))
    label = class_names[best] if class_names is not None and len(
        class_names) == len(score) else f'class {best}'
    return f'{info["frame_dir"]}: predicted "{label}" ({score[best]:.2f})'


def draw_joint_importance(info: Dict,
                          out_file: str,
                          layout='nturgb+d',
                          frame: Optional[int] = None,
                          class_names: Optional[Sequence[str]] = None,
                          size_px: Tuple[int, int] = (600, 600),
                          dpi: int = 100) -> str:
    """Fig. 3 TOP: the skeleton with a green circle per joint whose size is
    the joint's importance.

    Args:
        info (dict): From :func:`feature_importance`.
        out_file (str): PNG path.
        layout (str | dict): Skeleton layout (edges from the topology).
        frame (int, optional): Source frame to draw. Defaults to the most
            important frame.
        class_names (list[str], optional): For the title.
        size_px (tuple): ``(width, height)`` in pixels.
        dpi (int): Dots per inch.
    """
    plt = _pyplot()
    joints, frame_inds = info['joints'], info['frame_inds']
    if frame is None:
        frame = int(info['frames'][np.argmax(info['frame_importance'])])
    positions = np.flatnonzero(frame_inds == frame)
    if positions.size == 0:
        raise ValueError(f'frame {frame} is not in the clip; choose one of '
                         f'{info["frames"].min()}..{info["frames"].max()}')
    pos = int(positions[0])
    axes = _view_axes(joints, layout)
    fig = _figure(plt, size_px, dpi)
    ax = fig.add_axes([0.05, 0.05, 0.9, 0.85])
    colours = ('tab:blue', 'tab:orange', 'tab:purple', 'tab:brown')
    for p in range(joints.shape[0]):
        if not np.abs(joints[p, pos]).any():
            continue
        _draw_skeleton(ax, joints[p, pos], layout, axes,
                       info['joint_importance'][p], colours[p % 4])
    ax.set_aspect('equal')
    ax.autoscale_view()
    ax.margins(0.15)
    ax.axis('off')
    fig.suptitle(f'{_title(info, class_names)}\njoint importance, frame '
                 f'{frame}', fontsize=9)
    fig.savefig(out_file, dpi=dpi)
    plt.close(fig)
    return out_file


def draw_frame_importance(info: Dict,
                          out_file: str,
                          layout='nturgb+d',
                          num_sketches: int = 6,
                          class_names: Optional[Sequence[str]] = None,
                          size_px: Tuple[int, int] = (1000, 500),
                          dpi: int = 100) -> str:
    """Fig. 3 BOTTOM: importance of every input frame (scaled to [0, 1])
    under skeleton sketches of evenly spaced frames."""
    plt = _pyplot()
    joints, frame_inds = info['joints'], info['frame_inds']
    frames, values = info['frames'], info['frame_importance']
    fig = _figure(plt, size_px, dpi)
    count = int(min(num_sketches, frames.size))
    chosen = frames[np.linspace(0, frames.size - 1, count).round().astype(
        int)] if count else []
    axes = _view_axes(joints, layout)
    for i, frame in enumerate(chosen):
        ax = fig.add_axes([0.07 + 0.88 * i / count, 0.55, 0.88 / count,
                           0.33])
        pos = int(np.flatnonzero(frame_inds == frame)[0])
        for p in range(joints.shape[0]):
            if np.abs(joints[p, pos]).any():
                _draw_skeleton(ax, joints[p, pos], layout, axes)
        ax.set_aspect('equal')
        ax.axis('off')
        ax.set_title(f'frame {frame}', fontsize=8)
    ax = fig.add_axes([0.07, 0.1, 0.88, 0.38])
    ax.plot(frames, values, color='green', linewidth=1.5)
    ax.fill_between(frames, 0, values, color='limegreen', alpha=0.3)
    for frame in chosen:
        ax.axvline(frame, color='grey', linewidth=0.6, linestyle='--')
    ax.set_xlim(frames.min(), max(frames.max(), frames.min() + 1))
    ax.set_ylim(0, 1.05)
    ax.set_xlabel('input frame')
    ax.set_ylabel('importance')
    fig.suptitle(f'{_title(info, class_names)}; layer {info["layer"]}',
                 fontsize=9)
    fig.savefig(out_file, dpi=dpi)
    plt.close(fig)
    return out_file


def save_importance_json(info: Dict, out_file: str) -> str:
    """The numbers behind the figures, as JSON."""
    import json
    record = dict(
        frame_dir=info['frame_dir'],
        layer=info['layer'],
        importance=info['importance'],
        frames=info['frames'].tolist(),
        frame_importance=np.round(info['frame_importance'], 6).tolist(),
        joint_importance=np.round(info['joint_importance'], 6).tolist(),
        pred_score=np.round(info['pred_score'], 6).tolist())
    with open(out_file, 'w') as handle:
        json.dump(record, handle, indent=1)
    return osp.abspath(out_file)
