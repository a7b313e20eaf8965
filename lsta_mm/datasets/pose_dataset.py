"""mmaction2's ``PoseDataset`` with safe loading and validation at load time.

Everything that can be wrong with an annotation file is found when the
dataset is built, before the first forward pass, and reported as one error
naming the file, the sample and the problem (see
:mod:`lsta_mm.datasets.validation`). The file is read with the restricted
unpickler of :mod:`lsta_mm.safe_pickle`.
"""
import os.path as osp
from typing import Callable, Dict, List, Optional, Union

import numpy as np
from mmaction.datasets import PoseDataset
from mmengine.logging import MMLogger

from lsta_mm.registry import DATASETS
from lsta_mm.utils.topology import get_topology
from lsta_mm.safe_pickle import safe_load_pickle
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

    Args:
        ann_file (str): Annotation ``.pkl``.
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
        logger = MMLogger.get_current_instance()
        if problems:
            lines = [str(p) for p in problems[:_MAX_SHOWN]]
            if len(problems) > _MAX_SHOWN:
                lines.append(f'... and {len(problems) - _MAX_SHOWN} more')
            text = '\n'.join(lines)
            if not self.skip_invalid:
                raise AnnotationError(
                    f'{len(problems)} of {len(annotations)} samples of '
                    f'{source} (split {self.split}) are unusable '
                    f'(tools/data/check_annotations.py lists all; '
                    f'skip_invalid=True drops them):\n{text}')
            logger.warning(f'dropping {len(problems)} unusable samples of '
                           f'{source}:\n{text}')
            bad = {p.sample for p in problems}
            annotations = [
                a for a, n in zip(annotations, names) if n not in bad
            ]
        self._trim_persons(annotations, source, logger)
        return annotations

    def _trim_persons(self, annotations: List[Dict], source: str,
                      logger) -> None:
        """Keep the ``num_person`` most active persons of each sample."""
        if not self.num_person:
            return
        trimmed = 0
        for anno in annotations:
            keypoint = anno['keypoint']
            if keypoint.shape[0] <= self.num_person:
                continue
            activity = person_activity(keypoint, self.coord_dims)
            keep = np.sort(
                np.argsort(-activity, kind='stable')[:self.num_person])
            anno['keypoint'] = keypoint[keep]
            if anno.get('keypoint_score') is not None:
                anno['keypoint_score'] = anno['keypoint_score'][keep]
            trimmed += 1
        if trimmed:
            logger.warning(
                f'{source}: {trimmed} sample(s) have more than '
                f'num_person={self.num_person} persons; kept the '
                f'{self.num_person} most active of each')
