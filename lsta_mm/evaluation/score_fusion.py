"""Score-level fusion of several streams (paper section 3.3).

The paper trains one LSTA-Net per input stream (joint, bone, motion) and
"applies a score-level fusion strategy to obtain the final prediction
score": a weighted sum of the streams' class scores. This module reads the
per-sample scores that ``tools/test.py CONFIG CKPT --dump FILE`` writes
(mmengine's ``DumpResults``: a list with one dict per sample holding
``pred_score`` and ``gt_label`` tensors, exactly what mmaction2's
``tools/analysis_tools/report_accuracy.py`` reads), checks that several
dumps describe the same samples in the same order, fuses them and computes
mmaction2's ``AccMetric`` numbers (top-1, top-5, mean class accuracy) with
mmaction2's own functions, so they agree with ``tools/test.py``.

What is fused: mmaction2's ``GCNHead`` averages clips with
``average_clips='prob'``, so dumped ``pred_score`` rows are softmax
*probabilities*, and the fusion is a weighted sum of probabilities. Softmax
is never applied a second time unless asked for (``apply_softmax``), which
is only right for dumps of raw logits (``average_clips='score'`` or
``None``).
"""
import io
import os.path as osp
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence

import numpy as np
import torch
from mmaction.evaluation.functional import (get_weighted_score,
                                            mean_class_accuracy,
                                            top_k_accuracy)

from lsta_mm.safe_pickle import (AnnotationFileError, UnsafePickleError,
                                 safe_loads_pickle)

__all__ = [
    'ScoreDump', 'ScoreDumpMismatchError', 'SAMPLE_ID_KEYS',
    'load_score_dump', 'check_same_samples', 'fuse_scores',
    'classification_metrics', 'looks_like_probabilities',
    'scores_to_dump'
]

#: Keys that name a sample in a dumped data sample, most specific first.
#: ``PackActionInputs(meta_keys=(..., 'frame_dir'))`` puts the NTU sample
#: name there; without one, dumps are matched on their labels only.
SAMPLE_ID_KEYS = ('frame_dir', 'video_id', 'filename', 'img_key')


class ScoreDumpMismatchError(ValueError):
    """Two score dumps do not cover the same samples in the same order."""


@dataclass
class ScoreDump:
    """The scores of one stream, one row per test sample.

    Attributes:
        path (str): Where the dump was read from (used in messages).
        scores (np.ndarray): ``(N, K)`` float64 class scores.
        labels (np.ndarray): ``(N,)`` int64 ground-truth labels.
        sample_ids (list[str] | None): ``N`` sample names when every sample
            carries one of :data:`SAMPLE_ID_KEYS`, else None.
    """
    path: str
    scores: np.ndarray
    labels: np.ndarray
    sample_ids: Optional[List[str]] = None

    @property
    def num_samples(self) -> int:
        return self.scores.shape[0]

    @property
    def num_classes(self) -> int:
        return self.scores.shape[1]


def _load_tensor_bytes(data: bytes) -> Any:
    """``torch.storage._load_from_bytes`` without arbitrary unpickling."""
    return torch.load(io.BytesIO(data), weights_only=True)


#: What a dump may import besides numpy and builtins: how plain CPU tensors
#: pickle (``DumpResults`` moves every tensor to the CPU first).
_TORCH_GLOBALS = {
    ('torch._utils', '_rebuild_tensor_v2'): torch._utils._rebuild_tensor_v2,
    ('torch.storage', '_load_from_bytes'): _load_tensor_bytes,
}


def _to_numpy(value) -> np.ndarray:
    if isinstance(value, torch.Tensor):
        return value.detach().cpu().numpy()
    return np.asarray(value)


def load_score_dump(path: str) -> ScoreDump:
    """Read a ``DumpResults`` pickle (``tools/test.py --dump``).

    Args:
        path (str): The ``.pkl`` file.

    Returns:
        ScoreDump: Its scores ``(N, K)``, labels ``(N,)`` and sample names.

    The file is unpickled with a restricted unpickler that admits only
    tensors, numpy arrays and builtin containers, so a foreign ``.pkl``
    cannot run code.

    Raises:
        FileNotFoundError: ``path`` does not exist.
        pickle.UnpicklingError: The pickle names any other global.
        ValueError: The file is not a list of dicts with ``pred_score`` and
            a single ``gt_label`` each; the message names the file and the
            first offending sample.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'score dump {path} does not exist')
    with open(path, 'rb') as handle:
        data = handle.read()
    try:
        samples = safe_loads_pickle(
            data, path, kind='score dump', extra_globals=_TORCH_GLOBALS)
    except UnsafePickleError:
        raise
    except AnnotationFileError as err:
        raise ValueError(str(err)) from None
    if not isinstance(samples, (list, tuple)) or not samples:
        raise ValueError(
            f'{path} is not a score dump: expected a non-empty list of '
            f'per-sample dicts as written by `tools/test.py --dump`, got '
            f'{type(samples).__name__}')
    scores, labels, ids = [], [], []
    for index, sample in enumerate(samples):
        if not isinstance(sample, dict) or 'pred_score' not in sample:
            raise ValueError(f'{path}: sample {index} has no pred_score '
                             f'(is this a `tools/test.py --dump` file?)')
        if 'gt_label' not in sample:
            raise ValueError(f'{path}: sample {index} has no gt_label')
        score = _to_numpy(sample['pred_score']).astype(np.float64)
        if isinstance(sample['pred_score'], dict) or score.ndim != 1:
            raise ValueError(f'{path}: sample {index} has pred_score of '
                             f'shape {score.shape}; expected (num_classes,)')
        label = _to_numpy(sample['gt_label']).reshape(-1)
        if label.size != 1:
            raise ValueError(f'{path}: sample {index} has {label.size} '
                             f'labels; score fusion handles single-label '
                             f'classification only')
        if scores and score.shape != scores[0].shape:
            raise ValueError(f'{path}: sample {index} has {score.shape[0]} '
                             f'class scores, sample 0 has '
                             f'{scores[0].shape[0]}')
        scores.append(score)
        labels.append(int(label[0]))
        ids.append(next((str(sample[key]) for key in SAMPLE_ID_KEYS
                         if key in sample), None))
    sample_ids = None if any(i is None for i in ids) else ids
    return ScoreDump(
        path=str(path),
        scores=np.stack(scores),
        labels=np.asarray(labels, dtype=np.int64),
        sample_ids=sample_ids)


def check_same_samples(dumps: Sequence[ScoreDump]) -> None:
    """Refuse dumps that do not describe the same samples in the same order.

    Every dump is compared with the first: sample count, class count, the
    sample names when both dumps carry them, and the ground-truth label of
    every sample (a reordered or different test split disagrees there).

    Raises:
        ScoreDumpMismatchError: Naming both files and the first difference.
    """
    if not dumps:
        raise ValueError('no score dumps given')
    ref = dumps[0]
    for other in dumps[1:]:
        pair = f'{ref.path} and {other.path}'
        if other.num_samples != ref.num_samples:
            raise ScoreDumpMismatchError(
                f'{pair} do not cover the same samples: {ref.num_samples} '
                f'vs {other.num_samples} samples (were they dumped from the '
                f'same test split?)')
        if other.num_classes != ref.num_classes:
            raise ScoreDumpMismatchError(
                f'{pair} score a different number of classes: '
                f'{ref.num_classes} vs {other.num_classes}')
        if ref.sample_ids is not None and other.sample_ids is not None:
            for index, (a, b) in enumerate(
                    zip(ref.sample_ids, other.sample_ids)):
                if a != b:
                    raise ScoreDumpMismatchError(
                        f'{pair} are not in the same sample order: sample '
                        f'{index} is {a!r} in the first and {b!r} in the '
                        f'second')
        differ = np.flatnonzero(ref.labels != other.labels)
        if differ.size:
            index = int(differ[0])
            raise ScoreDumpMismatchError(
                f'{pair} do not cover the same samples in the same order: '
                f'{differ.size} of {ref.num_samples} labels differ, first '
                f'at sample {index} (label {ref.labels[index]} vs '
                f'{other.labels[index]})')


def looks_like_probabilities(scores: np.ndarray, atol: float = 1e-3) -> bool:
    """True when every row of ``(N, K)`` is non-negative and sums to 1."""
    return bool((scores >= -atol).all()
                and np.allclose(scores.sum(axis=1), 1.0, atol=atol))


def fuse_scores(score_list: Sequence[np.ndarray],
                weights: Optional[Sequence[float]] = None,
                apply_softmax: bool = False) -> np.ndarray:
    """Weighted sum of the streams' scores (paper section 3.3).

    ``fused[n] = sum_i weights[i] * score_list[i][n]``, computed with
    mmaction2's ``get_weighted_score``.

    Args:
        score_list (list[np.ndarray]): One ``(N, K)`` array per stream,
            normally softmax probabilities (what ``GCNHead`` predicts).
        weights (list[float], optional): One weight per stream.
            Defaults to 1 for every stream.
        apply_softmax (bool): Turn logits into probabilities first. Only
            for dumps of raw scores. Defaults to False.

    Returns:
        np.ndarray: ``(N, K)`` fused scores.
    """
    if not score_list:
        raise ValueError('no scores to fuse')
    if weights is None:
        weights = [1.0] * len(score_list)
    if len(weights) != len(score_list):
        raise ValueError(f'{len(score_list)} score sets but {len(weights)} '
                         f'weights: give one weight per stream')
    shapes = {np.shape(s) for s in score_list}
    if len(shapes) != 1:
        raise ValueError(f'score sets have different shapes {sorted(shapes)}')
    if apply_softmax:
        score_list = [
            torch.softmax(torch.as_tensor(np.asarray(s, np.float64)),
                          dim=1).numpy() for s in score_list
        ]
    fused = get_weighted_score([np.asarray(s, np.float64) for s in score_list],
                               [float(w) for w in weights])
    return np.stack(fused)


def classification_metrics(scores: np.ndarray,
                           labels: np.ndarray,
                           topk: Sequence[int] = (1, 5)) -> Dict[str, float]:
    """mmaction2 ``AccMetric`` numbers for ``(N, K)`` scores.

    Returns:
        dict: ``top1``, ``top5`` (one key per ``topk``) and ``mean1`` (mean
        class accuracy), as fractions in [0, 1].
    """
    scores = np.asarray(scores)
    labels = [int(label) for label in labels]
    results = {}
    for k, acc in zip(topk, top_k_accuracy(scores, labels, tuple(topk))):
        results[f'top{k}'] = float(acc)
    results['mean1'] = float(mean_class_accuracy(scores, labels))
    return results


def scores_to_dump(scores: np.ndarray,
                   labels: np.ndarray,
                   sample_ids: Optional[Sequence[str]] = None,
                   id_key: str = 'frame_dir') -> List[dict]:
    """Per-sample dicts in ``DumpResults`` format (``pred_score``,
    ``pred_label``, ``gt_label`` tensors), readable by
    :func:`load_score_dump` and mmaction2's ``report_accuracy.py``."""
    samples = []
    for index, (score, label) in enumerate(zip(scores, labels)):
        score = torch.as_tensor(np.asarray(score), dtype=torch.float32)
        sample = dict(
            num_classes=int(score.numel()),
            pred_score=score,
            pred_label=score.argmax().reshape(1),
            gt_label=torch.tensor([int(label)], dtype=torch.int64))
        if sample_ids is not None:
            sample[id_key] = sample_ids[index]
        samples.append(sample)
    return samples
