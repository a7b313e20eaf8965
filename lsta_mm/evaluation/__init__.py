"""Evaluation: score-level stream fusion and per-stream accuracy."""
from .score_fusion import (ScoreDump, ScoreDumpMismatchError,
                           check_same_samples, classification_metrics,
                           fuse_scores, load_score_dump,
                           looks_like_probabilities, scores_to_dump)
from .stream_metric import StreamAccMetric

__all__ = [
    'ScoreDump', 'ScoreDumpMismatchError', 'StreamAccMetric',
    'check_same_samples', 'classification_metrics', 'fuse_scores',
    'load_score_dump', 'looks_like_probabilities', 'scores_to_dump'
]
