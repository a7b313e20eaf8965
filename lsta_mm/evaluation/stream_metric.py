"""Per-stream accuracy of a one-pass multi-stream ensemble (section 3.3).

``MultiStreamRecognizer`` predicts the fused score as ``pred_score`` (which
mmaction2's ``AccMetric`` evaluates) and keeps every stream's own scores in
the data sample's ``stream_scores`` dict. :class:`StreamAccMetric` reports
the same three numbers as ``AccMetric`` for each of those streams, so one
``tools/test.py`` run prints the table of the separate streams and of their
fusion.
"""
from collections import OrderedDict
from typing import Any, Dict, List, Optional, Sequence

import numpy as np
from mmengine.evaluator import BaseMetric

from lsta_mm.registry import METRICS
from .score_fusion import classification_metrics

__all__ = ['StreamAccMetric']


@METRICS.register_module()
class StreamAccMetric(BaseMetric):
    """Top-k and mean class accuracy of each stream of an ensemble.

    Args:
        topk (tuple[int]): The k of top-k accuracy. Defaults to (1, 5).
        collect_device (str): Device for collecting results across ranks.
            Defaults to 'cpu'.
        prefix (str, optional): Prefix of the metric names. Defaults to
            'stream', giving e.g. ``stream/bone_top1``.
    """
    default_prefix: Optional[str] = 'stream'

    def __init__(self,
                 topk: Sequence[int] = (1, 5),
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.topk = tuple(topk)

    def process(self, data_batch: Any, data_samples: Sequence[dict]) -> None:
        """Keep each sample's per-stream scores and its label."""
        for index, sample in enumerate(data_samples):
            streams = sample.get('stream_scores')
            if not isinstance(streams, dict) or not streams:
                raise KeyError(
                    f'StreamAccMetric: sample {index} of the batch has no '
                    f'stream_scores; it evaluates MultiStreamRecognizer '
                    f'predictions only (use AccMetric for single models)')
            label = sample['gt_label']
            if label.numel() != 1:
                raise ValueError('StreamAccMetric handles single-label '
                                 'classification only')
            self.results.append(
                dict(
                    label=int(label.item()),
                    scores={
                        name: score.detach().cpu().numpy()
                        for name, score in streams.items()
                    }))

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        """``{stream}_top{k}`` and ``{stream}_mean1`` for every stream."""
        labels = np.asarray([r['label'] for r in results])
        metrics = OrderedDict()
        for name in results[0]['scores']:
            scores = np.stack([r['scores'][name] for r in results])
            for key, value in classification_metrics(scores, labels,
                                                     self.topk).items():
                metrics[f'{name}_{key}'] = value
        return metrics
