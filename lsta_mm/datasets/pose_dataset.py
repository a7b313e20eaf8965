"""mmaction2's ``PoseDataset`` with safe loading and validation at load time.

Everything that can be wrong with an annotation file is found when the
dataset is built, before the first forward pass, and reported as one error
naming the file, the sample and the problem (see
:mod:`lsta_mm.datasets.validation`). The file is read with the restricted
unpickler of :mod:`lsta_mm.safe_pickle`. ``ann_file`` may also be a
memory-mapped store (:mod:`lsta_mm.datasets.annotation_store`, written by
``tools/data/pack_annotations.py``): then every rank and loader worker of a
node shares one copy of the keypoints instead of unpickling its own.
"""
import os.path as osp
from typing import Callable, Dict, List, Optional, Union

import numpy as np
from mmaction.datasets import PoseDataset
from mmengine.logging import MMLogger

from lsta_mm.registry import DATASETS
from lsta_mm.utils.topology import get_topology
from lsta_mm.safe_pickle import safe_load_pickle
from .annotation_store import AnnotationStore, is_store
from .validation import (AnnotationError, Problem, check_sample, check_split,
                         check_structure, person_activity, sample_name)

__all__ = ['LSTAPoseDataset']

_MAX_SHOWN = 10  # bad samples listed in one error message


@DATASETS.register_module()
class LSTAPoseDataset(PoseDataset):
    """Skeleton dataset in mmaction2's pkl format, checked when it loads.

    Checks, each failing with one :class:`AnnotationError` (or
    ``FileNotFoundError``) that names the file and the sample(s): the file
    exists, is a ``.pkl`` and unpickles safely; it holds ``split`` and
    ``annotations``; the configured split exists and names only known
    samples; every sample has a ``keypoint`` of shape ``(M, T, V, C)`` with
    V = the layout's joints and C matching ``in_channels``; no NaN/inf; no
    empty or all-zero sequence; labels in ``[0, num_classes)``. Samples
    with more than ``num_person`` persons keep the most active ones (logged
    once).

    A store directory as ``ann_file`` gets the same checks (the value
    checks were run when it was packed and run again, vectorised, if its
    keypoint file changed since) and yields identical samples; its data list
    holds only names, labels and positions, and each sample's keypoints are
    read from the mapped file when the sample is drawn.

    Args:
        ann_file (str): Annotation ``.pkl``, or a store directory.
        pipeline (list[dict | callable]): Transforms.
        layout (str | dict): Skeleton layout. Defaults to ``'nturgb+d'``.
        num_classes (int, optional): Number of classes; labels are checked
            against it. Defaults to None (not checked).
        num_person (int, optional): Persons kept per sample. Defaults to 2.
        in_channels (int, optional): Channels per joint the stream delivers
            (coordinates + score). Defaults to None: the layout's
            ``in_channels`` (x, y, z or x, y, score).
        skip_invalid (bool): Drop bad samples with one warning instead of
            raising. Defaults to False.
        **kwargs: ``split``, ``test_mode``, ... of ``PoseDataset``.
    """

    def __init__(self,
                 ann_file: str,
                 pipeline: List[Union[Dict, Callable]],
                 layout: Union[str, dict] = 'nturgb+d',
                 num_classes: Optional[int] = None,
                 num_person: Optional[int] = 2,
                 in_channels: Optional[int] = None,
                 skip_invalid: bool = False,
                 **kwargs) -> None:
        self.layout = layout
        self.num_person = num_person
        topology = get_topology(layout)
        self.coord_dims = topology.coord_dims
        self.in_channels = topology.in_channels if in_channels is None \
            else in_channels
        self.skip_invalid = skip_invalid
        self.num_node = topology.num_node
        super().__init__(
            ann_file, pipeline=pipeline, num_classes=num_classes, **kwargs)

    def load_data_list(self) -> List[Dict]:
        """Load, validate and select the split's samples."""
        source = self.ann_file
        self._store = None
        if is_store(source):
            return self._load_store(source)
        if not osp.isfile(source):
            raise FileNotFoundError(
                f'annotation file {source} does not exist (see docs/data.md '
                f'for how to prepare it, or tools/data/gen_synthetic_ntu.py '
                f'for the demo data)')
        data = safe_load_pickle(source)
        split, annotations = check_structure(data, source)
        names = [sample_name(a, i) for i, a in enumerate(annotations)]
        if self.split is not None:
            if split is None:
                raise AnnotationError(
                    f'{source}: split {self.split!r} is configured but the '
                    f'file is a bare list without `split`')
            wanted = set(check_split(split, self.split, names, source))
            annotations = [
                a for a, n in zip(annotations, names) if n in wanted
            ]
            names = [n for n in names if n in wanted]
        problems = []
        for anno, name in zip(annotations, names):
            message = check_sample(anno, self.num_node, self.coord_dims,
                                   self.in_channels, self.num_classes)
            if message is not None:
                problems.append(Problem(source, name, message))
        bad = self._report(problems, len(annotations), source)
        annotations = [a for a, n in zip(annotations, names) if n not in bad]
        trimmed = 0
        for anno in annotations:
            trimmed += self._keep_most_active(anno)
        self._log_trimmed(trimmed, source)
        return annotations

    def _load_store(self, source: str) -> List[Dict]:
        """The data list of a store: records without keypoints."""
        store = AnnotationStore(source)
        members = store.split(self.split) if self.split is not None \
            else np.arange(len(store))
        names = store.names
        whole, bad_samples = store.problems(
            members, self.num_node, self.coord_dims, self.in_channels,
            self.num_classes)
        if whole is not None:
            raise AnnotationError(f'{source}: {whole}')
        problems = [Problem(source, names[i], m) for i, m in bad_samples]
        bad = self._report(problems, len(members), source)
        self._store = store
        if self.num_person:
            crowded = store.index['num_person'][members] > self.num_person
            self._log_trimmed(int(crowded.sum()), source)
        return [
            store.record(i) for i in members.tolist() if names[i] not in bad
        ]

    def get_data_info(self, idx: int) -> Dict:
        """Sample ``idx``; a store's keypoints are read here."""
        info = super().get_data_info(idx)
        store_index = info.pop('store_index', None)
        if store_index is not None:
            info.update(self._store.arrays_of(store_index))
            self._keep_most_active(info)
        return info

    def _report(self, problems: List[Problem], count: int,
                source: str) -> set:
        """Raise on bad samples, or (``skip_invalid``) name them once and
        return their names."""
        if not problems:
            return set()
        lines = [str(p) for p in problems[:_MAX_SHOWN]]
        if len(problems) > _MAX_SHOWN:
            lines.append(f'... and {len(problems) - _MAX_SHOWN} more')
        text = '\n'.join(lines)
        if not self.skip_invalid:
            raise AnnotationError(
                f'{len(problems)} of {count} samples of '
                f'{source} (split {self.split}) are unusable '
                f'(tools/data/check_annotations.py lists all; '
                f'skip_invalid=True drops them):\n{text}')
        MMLogger.get_current_instance().warning(
            f'dropping {len(problems)} unusable samples of {source}:\n'
            f'{text}')
        return {p.sample for p in problems}

    def _keep_most_active(self, anno: Dict) -> bool:
        """Keep the ``num_person`` most active persons of one sample;
        whether it had more."""
        keypoint = anno['keypoint']
        if not self.num_person or keypoint.shape[0] <= self.num_person:
            return False
        activity = person_activity(keypoint, self.coord_dims)
        keep = np.sort(np.argsort(-activity, kind='stable')[:self.num_person])
        anno['keypoint'] = keypoint[keep]
        if anno.get('keypoint_score') is not None:
            anno['keypoint_score'] = anno['keypoint_score'][keep]
        return True

    def _log_trimmed(self, trimmed: int, source: str) -> None:
        if trimmed:
            MMLogger.get_current_instance().warning(
                f'{source}: {trimmed} sample(s) have more than '
                f'num_person={self.num_person} persons; kept the '
                f'{self.num_person} most active of each')
