"""Multi-stream LSTA-Net: one recognizer per stream, fused at score level.

Paper: section 3.3. One network of the same architecture is trained per
stream (joint, bone, joint motion, bone motion) and "a score-level fusion
strategy was applied to obtain the final prediction score".
:class:`MultiStreamRecognizer` holds the stream networks side by side:

* **Input.** The data pipeline derives every stream of a sample once
  (``SkeletonStream(stream=[...])``: one normalisation, one frame selection,
  motion from each frame's true successor) and stacks them on a stream
  axis, ``(N, num_clips, S, M, T, V, C)``, in the order of ``streams``.
* **Training** sums the streams' losses (logged per stream, e.g.
  ``joint.loss_cls``). The streams share no parameter, so each stream's
  gradient is exactly the one its own single-stream model gets from the
  same batch: one run trains the streams as separate runs would, on the
  same batches.
* **Testing** fuses the streams' clip-averaged predictions, i.e. the
  softmax *probabilities* of mmaction2's ``GCNHead``
  (``average_clips='prob'``), by a weighted sum; the fused score is
  ``pred_score`` (mmaction2's ``AccMetric``, ``--dump``), every stream's
  own score is kept in ``stream_scores`` (``StreamAccMetric``).

The model is built from its config alone: no checkpoint is read while it
is built. Separately trained streams are merged into one checkpoint with
``tools/merge_streams.py``.
"""
from typing import Dict, List, Optional, Sequence

import torch
import torch.nn as nn
from mmengine.model import BaseModel

from lsta_mm.datasets.transforms.skeleton_streams import stream_tuple
from lsta_mm.registry import MODELS

__all__ = ['MultiStreamRecognizer']


@MODELS.register_module()
class MultiStreamRecognizer(BaseModel):
    """Several single-stream recognizers trained and tested as one model.

    Paper: section 3.3 (multi-stream score-level fusion).

    Args:
        streams (list[dict]): One dict per stream, in the order of the data's
            stream axis, with keys ``stream`` (``'joint'``, ``'bone'``,
            ``'joint_motion'`` or ``'bone_motion'``; also the stream's name
            in logs, metrics and the checkpoint), ``model`` (the stream's
            recognizer config, e.g. ``RecognizerGCN`` + ``LSTANet`` +
            ``GCNHead``; any registered recognizer with ``extract_feat`` and
            a ``cls_head``) and optional ``weight`` of its score in the
            fusion (default 1.0).
        data_preprocessor (dict, optional): Defaults to
            ``dict(type='ActionDataPreprocessor')``.
        init_cfg (dict, optional): Initialisation config. Defaults to None.

    Shape:
        inputs: ``(N, num_clips, S, M, T, V, C)`` -> ``pred_score``
        ``(num_classes,)`` per sample.
    """

    def __init__(self,
                 streams: Sequence[dict],
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        if data_preprocessor is None:
            data_preprocessor = dict(type='ActionDataPreprocessor')
        super().__init__(
            data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        if not streams:
            raise ValueError('MultiStreamRecognizer needs at least one stream')
        for index, spec in enumerate(streams):
            unknown = set(spec) - {'stream', 'model', 'weight'}
            if unknown:
                raise ValueError(f'stream {index}: unknown keys '
                                 f'{sorted(unknown)} (stream, model, weight)')
            if 'model' not in spec:
                raise ValueError(f'stream {index} ({spec.get("stream")}) has '
                                 f'no model')
        names = stream_tuple([spec.get('stream') for spec in streams])
        self.models = nn.ModuleDict()
        self.weights: Dict[str, float] = {}
        for name, spec in zip(names, streams):
            model = MODELS.build(spec['model'])
            if not hasattr(model, 'extract_feat') or not hasattr(
                    model, 'cls_head'):
                raise TypeError(f'stream {name!r}: {type(model).__name__} '
                                f'is not a recognizer with a cls_head')
            self.models[name] = model
            self.weights[name] = float(spec.get('weight', 1.0))
        averaging = {
            name: getattr(model.cls_head, 'average_clips', None)
            for name, model in self.models.items()
        }
        if len(set(averaging.values())) > 1:
            raise ValueError(f'the stream heads average clips differently '
                             f'({averaging}); fused scores must be of one '
                             f'kind (use average_clips="prob" everywhere)')
        classes = {
            name: getattr(model.cls_head, 'num_classes', None)
            for name, model in self.models.items()
        }
        if len(set(classes.values())) > 1:
            raise ValueError(f'the stream heads have different numbers of '
                             f'classes ({classes})')

    @property
    def stream_names(self) -> List[str]:
        """The streams, in the order of the data's stream axis."""
        return list(self.models)

    @property
    def num_classes(self) -> Optional[int]:
        """Classes of every stream's head."""
        return getattr(self.stream_model().cls_head, 'num_classes', None)

    def stream_model(self, name: Optional[str] = None) -> nn.Module:
        """The recognizer of stream ``name`` (default: the first)."""
        return self.models[self.stream_names[0] if name is None else name]

    def split_streams(self,
                      inputs: torch.Tensor) -> Dict[str, torch.Tensor]:
        """Every stream's input.

        Args:
            inputs (torch.Tensor): ``(N, num_clips, S, M, T, V, C)``.

        Returns:
            dict: stream name -> ``(N, num_clips, M, T, V, C)``.
        """
        if inputs.dim() != 7 or inputs.shape[2] != len(self.models):
            raise ValueError(
                f'expected inputs (N, num_clips, S={len(self.models)}, M, T, '
                f'V, C) for the streams {self.stream_names}, got shape '
                f'{tuple(inputs.shape)}; the data pipeline must list the '
                f'same streams (SkeletonStream(stream=[...]))')
        return {
            name: inputs[:, :, index]
            for index, name in enumerate(self.models)
        }

    def loss(self, inputs: torch.Tensor, data_samples) -> dict:
        """Every stream's losses, keyed ``<stream>.<loss>``; mmengine sums
        the ``loss`` entries into the total."""
        losses = {}
        for name, data in self.split_streams(inputs).items():
            for key, value in self.models[name].loss(data,
                                                     data_samples).items():
                losses[f'{name}.{key}'] = value
        return losses

    def stream_scores(self,
                      inputs: torch.Tensor) -> Dict[str, torch.Tensor]:
        """Clip-averaged class scores ``(N, num_classes)`` of each stream,
        computed exactly as the stream's own ``predict`` would."""
        num_clips = inputs.shape[1]
        scores = {}
        for name, data in self.split_streams(inputs).items():
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
        scores = self.stream_scores(inputs)
        fused = self.fuse(scores)
        for index, sample in enumerate(data_samples):
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
        """``'loss'``: the streams' losses; ``'predict'``: fused
        predictions; ``'tensor'``: dict of the streams' clip-averaged
        scores."""
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        if mode == 'predict':
            return self.predict(inputs, data_samples)
        if mode == 'tensor':
            return self.stream_scores(inputs)
        raise RuntimeError(f'invalid mode {mode!r}; expected predict, '
                           f'tensor or loss')
