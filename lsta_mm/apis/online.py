"""Online (streaming) recognition: skeleton frames in, class scores out.

:class:`OnlineRecognizer` keeps the last ``window`` frames of a live
skeleton stream and, every ``hop`` frames, runs the window through the
model's own test pipeline (the training normalisation and translation,
stream derivation and replay padding to the config's ``clip_len``,
unchanged) and the model: a torch recognizer from
:func:`~lsta_mm.apis.init_recognizer` or an exported ONNX file
(:class:`~lsta_mm.apis.ONNXRecognizer`).

Bodies. Each frame brings any number of bodies. They are kept in
``max_person`` slots: a body with a ``body_id`` seen before returns to its
slot; without ids a body goes to the slot whose last position (its centre
joint, from :func:`~lsta_mm.utils.topology.get_topology`) is nearest, and a
new body takes a free slot (one with no body in the whole window). Bodies
beyond the free slots are dropped, the ones nearest an occupied slot
first kept. A slot without a body in a frame holds zeros, which the
pipeline treats as absent (as in the annotation files).

Frames with no body are kept as empty frames; the pipeline drops them
before padding, as it drops them from a recorded sequence. While the whole
window is empty no scores are emitted (:meth:`OnlineRecognizer.update`
returns ``None`` for that hop, and the smoothing restarts).
"""
from collections import deque
from dataclasses import dataclass
from typing import (Deque, Dict, Hashable, List, Optional, Sequence, Tuple,
                    Union)

import numpy as np
import torch

from lsta_mm.datasets.transforms.stream_pipeline import frames_covered
from lsta_mm.utils.topology import get_topology
from .onnx_inference import ONNXRecognizer, pipeline_inputs

__all__ = [
    'OnlineRecognizer', 'OnlineResult', 'results_as_dict', 'stream_frames'
]


@dataclass
class OnlineResult:
    """Scores emitted after one hop.

    Attributes:
        frame_index (int): Index of the newest frame in the stream
            (0-based, counting every frame given).
        scores (np.ndarray): ``(num_classes,)`` scores of the window.
        smoothed (np.ndarray): ``(num_classes,)`` after temporal smoothing
            (equal to ``scores`` without smoothing).
        label (int): Argmax of ``smoothed``.
        name (str): Its class name (``'class <i>'`` without names).
        frames_with_body (int): Frames of the window in which a body
            appeared.
    """
    frame_index: int
    scores: np.ndarray
    smoothed: np.ndarray
    label: int
    name: str
    frames_with_body: int


class OnlineRecognizer:
    """Sliding-window recognition of a live skeleton stream.

    Args:
        model: A recognizer from :func:`~lsta_mm.apis.init_recognizer`, an
            :class:`~lsta_mm.apis.ONNXRecognizer`, or the path of an
            exported ``.onnx`` file.
        window (int, optional): Frames kept. Defaults to the frames one
            clip covers: ``clip_len``, or ``clip_len`` times the frame
            interval where the pipeline reads every k-th frame
            (``SkeletonStream(frame_span=...)``, :func:`frames_covered`).
        hop (int): Scores are emitted every ``hop`` frames. Defaults to 10.
        smoothing (float): Exponential smoothing of the emitted scores,
            ``s = smoothing * s_prev + (1 - smoothing) * scores``; 0 turns
            it off. Defaults to 0.
        max_person (int, optional): Body slots. Defaults to the model's
            number of persons M.
        class_names (list[str], optional): Defaults to the ONNX file's, or
            the shipped label map with as many classes.
        num_threads (int, optional): ONNX Runtime threads when ``model``
            is a path.
        clip_len (int, optional): Frames the window is padded (replayed)
            or shortened to: the ``clip_len`` of the pipeline's steps
            replaced. Defaults to None, the test pipeline's own. A shorter
            clip (e.g. ``clip_len=window=100`` for a model tested at 300)
            costs proportionally less; the model then sees the window
            without replay, so its scores differ somewhat from the test
            pipeline's.

    Shape:
        A frame: ``(B, V, C)`` for B bodies (B may be 0), ``(V, C)`` for
        one body, or None for no body; C as the model's input (x, y, z or
        x, y, score).
    """

    def __init__(self,
                 model,
                 window: Optional[int] = None,
                 hop: int = 10,
                 smoothing: float = 0.0,
                 max_person: Optional[int] = None,
                 class_names: Optional[Sequence[str]] = None,
                 num_threads: Optional[int] = None,
                 clip_len: Optional[int] = None) -> None:
        from lsta_mm.deployment.export import input_shape_of
        from .inference import config_test_pipeline, num_classes_of
        if isinstance(model, str):
            model = ONNXRecognizer(model, num_threads=num_threads)
        self.model = model
        if isinstance(model, ONNXRecognizer):
            self.test_pipeline = model.test_pipeline
            self.default_scope = model.metadata.get('default_scope',
                                                    'mmaction')
            own_clip_len, persons = model.clip_len, model.num_person
            joints, channels = model.num_joints, model.in_channels
            layout = model.layout
            names = model.class_names
        else:
            model.eval()
            self.test_pipeline = config_test_pipeline(model.cfg)
            self.default_scope = model.cfg.get('default_scope', 'mmaction')
            shape = input_shape_of(model, self.test_pipeline)
            own_clip_len, persons, joints = shape[-3], shape[-4], shape[-2]
            channels = self._raw_channels(model)
            layout = self._layout(model)
            names = None
        if clip_len is not None:
            self.test_pipeline = [
                dict(step, clip_len=int(clip_len)) if 'clip_len' in step
                else step for step in self.test_pipeline
            ]
        self.clip_len = int(clip_len or own_clip_len)
        if not 0 <= smoothing < 1:
            raise ValueError(f'smoothing must be in [0, 1), got {smoothing}')
        if hop < 1:
            raise ValueError(f'hop must be >= 1, got {hop}')
        self.window = int(window or frames_covered(self.test_pipeline)
                          or self.clip_len)
        self.hop = int(hop)
        self.smoothing = float(smoothing)
        self.max_person = int(max_person or persons)
        self.num_joints, self.in_channels = joints, channels
        self.center = get_topology(layout).center
        if class_names is None and names is None:
            from lsta_mm.label_maps import default_label_map, load_label_map
            default = default_label_map(num_classes_of(model) or 0)
            names = load_label_map(default) if default else None
        self.class_names = list(class_names or names or []) or None
        self.reset()

    @staticmethod
    def _raw_channels(model) -> int:
        from .inference import _single_stream
        return int(_single_stream(model).backbone.in_channels)

    @staticmethod
    def _layout(model):
        from lsta_mm.deployment.export import _backbone_cfg
        return _backbone_cfg(model.cfg).get('graph_cfg', {}).get(
            'layout', 'nturgb+d')

    def reset(self) -> None:
        """Forget the stream: empty window, no smoothing state, frame 0."""
        self.frames: Deque[np.ndarray] = deque(maxlen=self.window)
        self.present: Deque[bool] = deque(maxlen=self.window)
        self.slot_ids: List[Optional[Hashable]] = [None] * self.max_person
        self.slot_last_seen = np.full(self.max_person, -10**9)
        self.slot_position = np.zeros((self.max_person, 3), np.float32)
        self.frame_index = -1
        self.since_emit = 0
        self.smoothed: Optional[np.ndarray] = None

    # ------------------------------------------------------------------
    def _bodies(self, frame) -> Tuple[np.ndarray, np.ndarray]:
        """The bodies of ``frame`` as ``(B, V, C)`` and the mask ``(B,)``
        of those kept (an all-zero body is no body, as in the annotation
        files)."""
        if frame is None:
            frame = np.zeros((0, self.num_joints, self.in_channels))
        bodies = np.asarray(frame, dtype=np.float32)
        if bodies.ndim == 2:
            bodies = bodies[None]  # one body: (1, V, C)
        expected = (self.num_joints, self.in_channels)
        if bodies.ndim != 3 or bodies.shape[1:] != expected:
            raise ValueError(
                f'a frame must be (bodies, V={self.num_joints}, '
                f'C={self.in_channels}) or (V, C), got {bodies.shape}')
        if not np.isfinite(bodies).all():
            raise ValueError('a frame holds NaN or infinite values')
        keep = np.any(bodies != 0, axis=(1, 2))  # (B,)
        return bodies[keep], keep

    def _assign(self, bodies: np.ndarray,
                body_ids: Optional[Sequence[Hashable]]) -> np.ndarray:
        """Place ``bodies`` ``(B, V, C)`` into the slots ``(max_person, V,
        C)`` (see the module docstring)."""
        slots = np.zeros((self.max_person, self.num_joints,
                          self.in_channels), np.float32)  # (M, V, C)
        now = self.frame_index
        free = [
            s for s in range(self.max_person)
            if now - self.slot_last_seen[s] >= self.window
        ]
        dims = min(3, self.in_channels)
        centres = bodies[:, self.center, :dims]  # (B, dims)
        taken = set()
        order = range(len(bodies))
        if body_ids is None:
            # nearest occupied slot first: smallest distance wins
            distance = np.full((len(bodies), self.max_person), np.inf)
            for s in range(self.max_person):
                if s not in free:
                    distance[:, s] = np.linalg.norm(
                        centres - self.slot_position[s, :dims], axis=1)
            order = np.argsort(distance.min(1), kind='stable') \
                if len(bodies) else []
        for b in order:
            slot = None
            if body_ids is not None and body_ids[b] in self.slot_ids:
                slot = self.slot_ids.index(body_ids[b])
                if slot in taken:
                    slot = None
            elif body_ids is None:
                candidates = [
                    s for s in np.argsort(distance[b], kind='stable')
                    if s not in free and s not in taken
                    and np.isfinite(distance[b, s])
                ]
                slot = candidates[0] if candidates else None
            if slot is None:
                spare = [s for s in free if s not in taken]
                if not spare:
                    continue  # more bodies than slots: dropped
                slot = spare[0]
            taken.add(slot)
            slots[slot] = bodies[b]
            self.slot_last_seen[slot] = now
            self.slot_position[slot, :dims] = centres[b]
            self.slot_ids[slot] = None if body_ids is None else body_ids[b]
        return slots

    def push(self,
             frame,
             body_ids: Optional[Sequence[Hashable]] = None) -> None:
        """Add one frame to the window without scoring it."""
        bodies, keep = self._bodies(frame)
        if body_ids is not None:
            if len(body_ids) != len(keep):
                raise ValueError(f'{len(body_ids)} body_ids for '
                                 f'{len(keep)} bodies')
            body_ids = [i for i, k in zip(body_ids, keep) if k]
        self.frame_index += 1
        self.since_emit += 1
        self.frames.append(self._assign(bodies, body_ids))
        self.present.append(len(bodies) > 0)

    def update(self,
               frame,
               body_ids: Optional[Sequence[Hashable]] = None
               ) -> Optional[OnlineResult]:
        """Add one frame; every ``hop`` frames score the window.

        Args:
            frame: ``(B, V, C)``, ``(V, C)`` or None (see the class).
            body_ids (list, optional): One id per body of ``frame`` (a
                tracker's, or NTU's bodyID), keeping each body in its slot.

        Returns:
            OnlineResult | None: The scores when this frame completes a
            hop and the window holds a body, else None.
        """
        self.push(frame, body_ids)
        if self.since_emit < self.hop:
            return None
        self.since_emit = 0
        return self.score()

    def update_many(self, frames) -> List[OnlineResult]:
        """:meth:`update` for a chunk of frames ``(T, B, V, C)`` (or a
        list of frames); the results of the hops it completes."""
        results = [self.update(frame) for frame in frames]
        return [r for r in results if r is not None]

    def window_keypoint(self) -> np.ndarray:
        """The window as a sequence ``(max_person, T, V, C)``."""
        return np.stack(list(self.frames), axis=1)

    def score(self) -> Optional[OnlineResult]:
        """Scores of the current window (None while it has no body)."""
        with_body = int(sum(self.present))
        if with_body == 0:
            self.smoothed = None
            return None
        inputs = pipeline_inputs(
            self.test_pipeline,
            self.window_keypoint(),
            frame_dir='stream',
            default_scope=self.default_scope)  # (clips, [S,] M, T, V, C)
        scores = self._run(inputs[None])[0]
        if self.smoothed is None or self.smoothing == 0:
            self.smoothed = scores.copy()
        else:
            self.smoothed = (self.smoothing * self.smoothed +
                             (1 - self.smoothing) * scores)
        label = int(self.smoothed.argmax())
        return OnlineResult(
            frame_index=self.frame_index,
            scores=scores,
            smoothed=self.smoothed.copy(),
            label=label,
            name=self._name(label),
            frames_with_body=with_body)

    def _name(self, label: int) -> str:
        if self.class_names is not None:
            return self.class_names[label]
        return f'class {label}'

    def _run(self, inputs: np.ndarray) -> np.ndarray:
        """Scores ``(1, num_classes)`` of ``inputs`` ``(1, num_clips, [S,]
        M, T, V, C)``."""
        if isinstance(self.model, ONNXRecognizer):
            return self.model(inputs)
        from lsta_mm.deployment.export import torch_scores
        return torch_scores(self.model, torch.from_numpy(inputs))

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(window={self.window}, hop='
                f'{self.hop}, smoothing={self.smoothing}, max_person='
                f'{self.max_person}, clip_len={self.clip_len})')


def stream_frames(keypoint: np.ndarray) -> List[np.ndarray]:
    """The frames of a recorded sequence ``(M, T, V, C)`` as the bodies
    present in each, ``(B_t, V, C)`` (all-zero bodies left out)."""
    frames = []
    for t in range(keypoint.shape[1]):
        bodies = keypoint[:, t]
        frames.append(bodies[np.any(bodies != 0, axis=(1, 2))])
    return frames


def results_as_dict(results: Sequence[OnlineResult]) -> Dict[str, Union[
        list, np.ndarray]]:
    """Emitted results as arrays: ``frame_index`` ``(K,)``, ``scores`` and
    ``smoothed`` ``(K, num_classes)``, ``label`` ``(K,)``."""
    return dict(
        frame_index=np.array([r.frame_index for r in results]),
        scores=np.stack([r.scores for r in results]) if results else
        np.zeros((0, 0)),
        smoothed=np.stack([r.smoothed for r in results]) if results else
        np.zeros((0, 0)),
        label=np.array([r.label for r in results]))
