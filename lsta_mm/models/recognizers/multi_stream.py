"""One-pass multi-stream ensemble: the paper's score-level fusion.

Paper: section 3.3. One LSTA-Net is trained per stream (joint, bone, joint
motion, bone motion) and "a score-level fusion strategy was applied to
obtain the final prediction score". :class:`MultiStreamRecognizer` holds the
trained stream models and fuses their scores in a single ``tools/test.py``
run: the data pipeline loads and prepares each sample once (the joint
stream), and the bone and motion inputs are derived from that joint tensor
inside the model (:mod:`.stream_ops`, same conventions and topology table as
the data pipeline's ``ToSkeletonStream``). For the motion streams the model
needs each clip frame's successor in the source sequence: the pipeline
passes ``frame_inds`` and, for sequences longer than the clip, the
normalised sequence ``source_keypoint`` in the metainfo (see
``configs/lsta_ntu60_xsub_4s.py``).

Fusion is the weighted sum of each stream's clip-averaged prediction, i.e.
of the softmax *probabilities* mmaction2's ``GCNHead`` predicts
(``average_clips='prob'``); nothing is passed through softmax twice. The
result equals ``tools/fuse_scores.py`` applied to the four separate
``tools/test.py --dump`` runs.
"""
import glob
import os.path as osp
from typing import Dict, List, Optional, Sequence

import numpy as np
import torch
import torch.nn as nn
from mmengine.logging import print_log
from mmengine.model import BaseModel
from mmengine.runner import load_checkpoint

from lsta_mm.registry import MODELS
from lsta_mm.utils.topology import get_topology
from .stream_ops import (derive_stream, next_frame_index, successor_from_index,
                         successor_from_sequences)

__all__ = ['MultiStreamRecognizer', 'resolve_checkpoint']

_STREAMS = ('joint', 'bone', 'joint_motion', 'bone_motion')
#: Coordinate channels per named layout (NTU is 3-D, the others 2-D).


def resolve_checkpoint(path: str) -> str:
    """A checkpoint file, or the checkpoint a training work_dir points at.

    For a directory: its single ``best_*.pth`` if there is exactly one,
    otherwise the file named in mmengine's ``last_checkpoint``.
    """
    if osp.isfile(path):
        return path
    if not osp.isdir(path):
        raise FileNotFoundError(f'stream checkpoint {path} does not exist')
    best = sorted(glob.glob(osp.join(path, 'best_*.pth')))
    if len(best) == 1:
        return best[0]
    last = osp.join(path, 'last_checkpoint')
    if osp.isfile(last):
        with open(last) as handle:
            target = handle.read().strip()
        if not osp.isabs(target) and not osp.isfile(target):
            target = osp.join(path, osp.basename(target))
        if osp.isfile(target):
            return target
    raise FileNotFoundError(
        f'work_dir {path} holds no single best_*.pth and no usable '
        f'last_checkpoint; name the checkpoint file instead')


@MODELS.register_module()
class MultiStreamRecognizer(BaseModel):
    """Several single-stream recognizers fused in one forward pass.

    Paper: section 3.3 (multi-stream score-level fusion).

    Args:
        streams (list[dict]): One dict per stream with keys ``stream``
            (``'joint'``, ``'bone'``, ``'joint_motion'`` or
            ``'bone_motion'``), ``model`` (the stream's recognizer config,
            e.g. ``RecognizerGCN`` + ``LSTANet`` + ``GCNHead``), optional
            ``checkpoint`` (a ``.pth`` or a training work_dir, loaded when
            the ensemble is built), optional ``weight`` (default 1.0) and
            optional ``name`` (default: the stream; names must differ).
        layout (str | dict): Skeleton layout of the joint input, for the
            bone parents. Defaults to ``'nturgb+d'``.
        coord_dims (int, optional): Coordinate channels of the input; later
            channels are scores. Defaults to None (3 for ``nturgb+d``,
            else 2), as in the data pipeline.
        data_preprocessor (dict, optional): Defaults to
            ``dict(type='ActionDataPreprocessor')``.
        init_cfg (dict, optional): Initialisation config. Defaults to None.

    Shape:
        inputs: ``(N, num_clips, M, T, V, C)`` joint clips ->
        ``pred_score`` ``(num_classes,)`` per sample.
    """

    def __init__(self,
                 streams: Sequence[dict],
                 layout='nturgb+d',
                 coord_dims: Optional[int] = None,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        if data_preprocessor is None:
            data_preprocessor = dict(type='ActionDataPreprocessor')
        super().__init__(
            data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        if not streams:
            raise ValueError('MultiStreamRecognizer needs at least one stream')
        topology = get_topology(layout)
        if coord_dims is None:
            coord_dims = topology.coord_dims
        self.layout = layout
        self.coord_dims = int(coord_dims)
        self.num_node = topology.num_node
        self.register_buffer(
            'parents', torch.as_tensor(topology.parents, dtype=torch.long),
            persistent=False)

        self.models = nn.ModuleDict()
        self.stream_types: Dict[str, str] = {}
        self.weights: Dict[str, float] = {}
        for index, spec in enumerate(streams):
            spec = dict(spec)
            unknown = set(spec) - {
                'stream', 'model', 'checkpoint', 'weight', 'name'
            }
            if unknown:
                raise ValueError(f'stream {index}: unknown keys '
                                 f'{sorted(unknown)}')
            stream = spec.get('stream')
            if stream not in _STREAMS:
                raise ValueError(f'stream {index}: stream must be one of '
                                 f'{_STREAMS}, got {stream!r}')
            if 'model' not in spec:
                raise ValueError(f'stream {index} ({stream}) has no model')
            name = spec.get('name', stream)
            if name in self.models:
                raise ValueError(f'two streams are named {name!r}; give '
                                 f'each a distinct `name`')
            model = MODELS.build(spec['model'])
            if not hasattr(model, 'extract_feat') or not hasattr(
                    model, 'cls_head'):
                raise TypeError(f'stream {name!r}: {type(model).__name__} '
                                f'is not a recognizer with a cls_head')
            checkpoint = spec.get('checkpoint')
            if checkpoint:
                checkpoint = resolve_checkpoint(checkpoint)
                print_log(
                    f'MultiStreamRecognizer: {name} stream <- {checkpoint}',
                    logger='current')
                try:
                    load_checkpoint(
                        model, checkpoint, map_location='cpu', strict=True)
                except RuntimeError as err:
                    lines = [ln for ln in str(err).splitlines() if ln.strip()]
                    more = len(lines) - 4
                    detail = ' '.join(lines[:4]) + (
                        f' ... ({more} more)' if more > 0 else '')
                    raise RuntimeError(
                        f'{name} stream: checkpoint {checkpoint} does not fit '
                        f'the stream model of this config: {detail}'
                    ) from None
            self.models[name] = model
            self.stream_types[name] = stream
            self.weights[name] = float(spec.get('weight', 1.0))
        averaging = {
            name: getattr(model.cls_head, 'average_clips', None)
            for name, model in self.models.items()
        }
        if len(set(averaging.values())) > 1:
            raise ValueError(f'the stream heads average clips differently '
                             f'({averaging}); fused scores must be of one '
                             f'kind (use average_clips="prob" everywhere)')

    @property
    def stream_names(self) -> List[str]:
        return list(self.models)

    def _successors(self, clips: torch.Tensor, data_samples, num_clips: int):
        """Successor joints ``(N * num_clips, M, T, V, C)`` and validity
        ``(N * num_clips, T)`` of every clip position (motion streams).

        With ``source_keypoint`` (the normalised sequence before it was
        fitted to the clip) and ``frame_inds`` in every sample's metainfo,
        the successor of each position's source frame is read from the
        sequence: exact whether the sequence was padded or shortened. With
        ``frame_inds`` only, it is searched inside the clip (exact for
        padded sequences). Without either, it is the next clip frame.
        """
        b, m, t = clips.shape[:3]
        metas = [s.metainfo for s in data_samples] if data_samples else []
        if not any('frame_inds' in meta for meta in metas):
            return successor_from_index(clips)
        inds_rows, sequences = [], []
        for meta in metas:
            inds = meta.get('frame_inds')
            if inds is None:
                raise ValueError(f'sample {meta.get("frame_dir", "")} has no '
                                 f'frame_inds while others have')
            inds = np.asarray(inds).reshape(-1)
            if inds.size != num_clips * t:
                raise ValueError(
                    f'sample {meta.get("frame_dir", "")}: frame_inds has '
                    f'{inds.size} entries for {num_clips} clip(s) of {t} '
                    f'frames')
            inds_rows.extend(inds.reshape(num_clips, t))
            sequences.extend([meta.get('source_keypoint')] * num_clips)
        if all(seq is not None for seq in sequences):
            return successor_from_sequences(sequences, np.stack(inds_rows),
                                            m, clips.device)
        next_index = np.stack([next_frame_index(r, t) for r in inds_rows])
        return successor_from_index(
            clips, torch.as_tensor(next_index, device=clips.device))

    def stream_inputs(self,
                      inputs: torch.Tensor,
                      data_samples=None) -> Dict[str, torch.Tensor]:
        """Every stream's input from the joint clips.

        Args:
            inputs (torch.Tensor): ``(N, num_clips, M, T, V, C)`` joints.
            data_samples (list, optional): Their metainfo (``frame_inds``,
                ``source_keypoint``) locates each frame's successor for the
                motion streams, see :meth:`_successors`.

        Returns:
            dict: stream name -> ``(N, num_clips, M, T, V, C)``.
        """
        if inputs.dim() != 6:
            raise ValueError(f'expected joint clips (N, num_clips, M, T, V, '
                             f'C), got shape {tuple(inputs.shape)}')
        n, nc, m, t, v, c = inputs.shape
        if v != self.num_node:
            raise ValueError(f'input has {v} joints but layout '
                             f'{self.layout!r} has {self.num_node}')
        clips = inputs.reshape(n * nc, m, t, v, c)
        following = valid = None
        if any(s.endswith('motion') for s in self.stream_types.values()):
            following, valid = self._successors(clips, data_samples, nc)
            following = following.to(clips.dtype)
        derived = {}
        for name, stream in self.stream_types.items():
            data = derive_stream(clips, stream, self.parents, self.coord_dims,
                                 following, valid)
            derived[name] = data.reshape(inputs.shape)
        return derived

    def stream_scores(self,
                      inputs: torch.Tensor,
                      data_samples=None) -> Dict[str, torch.Tensor]:
        """Clip-averaged class scores ``(N, num_classes)`` of each stream,
        computed exactly as the stream's own ``predict`` would."""
        num_clips = inputs.shape[1]
        scores = {}
        for name, data in self.stream_inputs(inputs, data_samples).items():
            model = self.models[name]
            feats, kwargs = model.extract_feat(data, test_mode=True)
            cls_scores = model.cls_head(feats, **kwargs)
            scores[name] = model.cls_head.average_clip(
                cls_scores, num_segs=num_clips)
        return scores

    def fuse(self, scores: Dict[str, torch.Tensor]) -> torch.Tensor:
        """Weighted sum of the streams' scores (section 3.3)."""
        return sum(self.weights[name] * score
                   for name, score in scores.items())

    def predict(self, inputs: torch.Tensor, data_samples) -> list:
        """Fused ``pred_score`` and ``pred_label`` per sample; every stream's
        own scores in ``stream_scores`` (read by ``StreamAccMetric``)."""
        scores = self.stream_scores(inputs, data_samples)
        fused = self.fuse(scores)
        for index, sample in enumerate(data_samples):
            # the whole sequence was only needed for the motion streams;
            # keep it out of the predictions (and of --dump files)
            if 'source_keypoint' in sample:
                sample.pop('source_keypoint')
            sample.set_pred_score(fused[index])
            sample.set_pred_label(fused[index].argmax(dim=-1, keepdim=True))
            sample.set_field(
                {name: score[index]
                 for name, score in scores.items()},
                'stream_scores',
                field_type='data')
        return data_samples

    def forward(self,
                inputs: torch.Tensor,
                data_samples=None,
                mode: str = 'tensor'):
        """``'predict'``: fused predictions; ``'tensor'``: dict of the
        streams' clip-averaged scores. Training is per stream (use each
        stream's own config), so ``'loss'`` is refused."""
        if mode == 'predict':
            return self.predict(inputs, data_samples)
        if mode == 'tensor':
            return self.stream_scores(inputs, data_samples)
        if mode == 'loss':
            raise NotImplementedError(
                'MultiStreamRecognizer only tests: train every stream with '
                'its own config (configs/lsta_*_{joint,bone,joint_motion,'
                'bone_motion}.py) and list the checkpoints in its streams')
        raise RuntimeError(f'invalid mode {mode!r}; expected predict, '
                           f'tensor or loss')
