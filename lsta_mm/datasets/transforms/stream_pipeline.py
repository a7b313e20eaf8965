"""One transform from an annotation sample to the network's input stream.

Paper: section 3.2 (normalisation, translation, replay padding to T = 300)
and section 3.3 (joint, bone and motion streams). A config names a stream in
one line, ``dict(type='SkeletonStream', layout='nturgb+d', stream='bone')``,
followed by mmaction2's ``PackActionInputs``; a multi-stream model's config
names its streams, ``stream=['joint', 'bone', 'joint_motion']``, and gets
them from one normalisation and one frame selection, on a stream axis.
"""
import inspect
from typing import Dict, List, Optional, Sequence, Union

import numpy as np
from mmaction.datasets.transforms import FormatGCNInput
from mmcv.transforms import BaseTransform
from mmengine.dataset import Compose

from lsta_mm.registry import TRANSFORMS
from .augment import RandomSkeletonAffine, RandomValidCrop
from .normalize import NormalizeSkeleton
from .padding import ReplayPad, frame_interval_for
from .skeleton_streams import (ToSkeletonStream, merge_keypoint_score,
                               stream_tuple)

__all__ = ['SkeletonStream', 'frames_covered']


@TRANSFORMS.register_module()
class SkeletonStream(BaseTransform):
    """Normalise, (augment,) compute a stream, pad to ``clip_len``, format.

    The steps, in order:

    1. :class:`NormalizeSkeleton` (unless ``normalize=False``);
    2. training only: :class:`RandomValidCrop` (if ``random_crop``);
    3. training only: :class:`RandomSkeletonAffine` (if ``random_affine``);
    4. :class:`ToSkeletonStream` (joint, bone or motion);
    5. :class:`ReplayPad` to ``clip_len`` frames;
    6. mmaction2's ``FormatGCNInput`` (zero persons up to ``num_person``).

    Augmentations act on joints before the stream is derived, so a rotated
    bone is the bone of the rotated joints.

    Required Keys:

        - keypoint: ``(M, T, V, C)``.
        - keypoint_score (optional): ``(M, T, V)``; becomes a channel.

    Modified Keys:

        - keypoint: ``(num_clips, num_person, clip_len, V, C')`` float32;
          with several streams ``(num_clips, S, num_person, clip_len, V,
          C')``, the streams in the order given.
        - total_frames: ``clip_len``.

    Added Keys:

        - frame_inds: ``(num_clips * clip_len,)``.
        - num_clips

    Removed Keys:

        - keypoint_score

    Args:
        layout (str | dict): Skeleton layout. Defaults to ``'nturgb+d'``.
        stream (str | list[str]): ``'joint'``, ``'bone'``,
            ``'joint_motion'`` or ``'bone_motion'``, or a list of them.
            Defaults to ``'joint'``.
        clip_len (int): Frames per clip, the paper's T. Defaults to 300.
        num_person (int): Persons per clip M. Defaults to 2.
        test_mode (bool): Disables the random steps and makes shortening
            deterministic. Defaults to False.
        normalize (bool | dict): Run :class:`NormalizeSkeleton`; a dict
            gives its arguments. Defaults to True.
        random_crop (dict, optional): Arguments of :class:`RandomValidCrop`.
            Defaults to None (off).
        random_affine (dict, optional): Arguments of
            :class:`RandomSkeletonAffine`. Defaults to None (off).
        pad_mode (str): ``'replay'`` (the paper's), ``'zero'`` or
            ``'edge'`` (the last frame held; :data:`PAD_MODES`). Defaults
            to ``'replay'``.
        longer (str): ``'uniform'`` or ``'crop'`` for sequences longer than
            ``clip_len``. Defaults to ``'uniform'``.
        frame_span (int, optional): Recorded frames a clip covers at one
            rate: every k-th frame is read, ``k = ceil(frame_span /
            clip_len)`` (:func:`frame_interval_for`), then padded or
            shortened as above. So every clip keeps the recording's time
            scale, and rate and tempo stay visible, where ``'uniform'``
            shortening stretches each sequence onto the clip. With
            ``clip_len >= frame_span`` every frame is read (the paper's
            T = 300). Defaults to None (every frame).
        coord_dims (int, optional): Coordinate channels. Defaults to None
            (3 for ``nturgb+d``, else 2).
        bone_root (str): The centre joint's bone in the bone streams,
            ``'zero'`` (the paper's) or ``'position'`` (see
            :class:`ToSkeletonStream`). Defaults to ``'zero'``.
        num_clips (int): Test clips per sequence (``test_mode`` only),
            spread over it (:func:`replay_indices`); the recognizer
            averages their class probabilities, as mmaction2's skeleton
            configs do with ``UniformSampleFrames(num_clips=10)``. A clip of
            a sequence no longer than ``clip_len`` differs only where it is
            replayed (``pad_mode='replay'``). Defaults to 1.
    """

    def __init__(self,
                 layout: Union[str, dict] = 'nturgb+d',
                 stream: Union[str, Sequence[str]] = 'joint',
                 clip_len: int = 300,
                 num_person: int = 2,
                 test_mode: bool = False,
                 normalize: Union[bool, dict] = True,
                 random_crop: Optional[dict] = None,
                 random_affine: Optional[dict] = None,
                 pad_mode: str = 'replay',
                 longer: str = 'uniform',
                 frame_span: Optional[int] = None,
                 coord_dims: Optional[int] = None,
                 bone_root: str = 'zero',
                 num_clips: int = 1) -> None:
        self.layout = layout
        self.streams = stream_tuple(stream)
        self.stream = stream if isinstance(stream, str) else self.streams
        self.clip_len = clip_len
        self.num_person = num_person
        self.test_mode = test_mode
        self.frame_span = frame_span
        self.num_clips = num_clips
        common = dict(layout=layout, coord_dims=coord_dims)
        steps = []
        if normalize:
            options = normalize if isinstance(normalize, dict) else {}
            steps.append(NormalizeSkeleton(**common, **options))
        if random_crop is not None and not test_mode:
            steps.append(RandomValidCrop(**common, **random_crop))
        if random_affine is not None and not test_mode:
            steps.append(RandomSkeletonAffine(**common, **random_affine))
        steps.append(
            ToSkeletonStream(stream=stream, bone_root=bone_root, **common))
        steps.append(
            ReplayPad(
                clip_len=clip_len,
                mode=pad_mode,
                longer=longer,
                test_mode=test_mode,
                frame_interval=frame_interval_for(frame_span, clip_len),
                num_clips=num_clips))
        steps.append(FormatGCNInput(num_person=num_person, mode='zero'))
        self.steps = Compose(steps)

    def transform(self, results: Dict) -> Dict:
        """Run the steps on one sample."""
        merge_keypoint_score(results)
        results = self.steps(results)
        if isinstance(self.stream, tuple):
            # (clips, M, T, V, S * C) -> (clips, S, M, T, V, C)
            clips, m, t, v, channels = results['keypoint'].shape
            s = len(self.streams)
            results['keypoint'] = np.ascontiguousarray(
                results['keypoint'].reshape(clips, m, t, v, s, channels //
                                            s).transpose(0, 4, 1, 2, 3, 5))
        return results

    def __repr__(self) -> str:
        steps = ', '.join(repr(t) for t in self.steps.transforms)
        return f'{self.__class__.__name__}({steps})'


def frames_covered(pipeline: List[Dict]) -> Optional[int]:
    """Recorded frames one clip of ``pipeline``'s ``SkeletonStream`` spans
    at most before it is stretched: ``clip_len`` times its frame interval
    (:func:`frame_interval_for`), e.g. 100 for a 50-frame clip with
    ``frame_span=100``; None if the pipeline has no ``SkeletonStream``.

    Args:
        pipeline (list[dict]): Transform configs, e.g. a config's
            ``test_pipeline``.
    """
    defaults = inspect.signature(SkeletonStream.__init__).parameters
    for step in pipeline:
        if not isinstance(step, dict) or str(step.get(
                'type', '')).split('.')[-1] != SkeletonStream.__name__:
            continue
        clip_len = int(step.get('clip_len', defaults['clip_len'].default))
        frame_span = step.get('frame_span', defaults['frame_span'].default)
        return clip_len * frame_interval_for(frame_span, clip_len)
    return None
