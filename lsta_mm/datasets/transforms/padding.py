"""Fixed-length clips by replaying the action.

Paper: section 3.2, "The input skeletal data is padded to T = 300 frames by
replaying the actions." mmaction2's ``PadTo`` does the replay but asserts
that no sequence is longer than the target; :class:`ReplayPad` also
shortens longer sequences (NTU-120 has clips beyond 300 frames).
"""
from typing import Dict, Optional

import numpy as np
from mmcv.transforms import BaseTransform

from lsta_mm.registry import TRANSFORMS

__all__ = ['PAD_MODES', 'ReplayPad', 'frame_interval_for', 'replay_indices']

#: How a sequence shorter than the clip is filled: ``'replay'`` (the
#: paper's), ``'zero'`` (zero frames) or ``'edge'`` (its last frame held).
PAD_MODES = ('replay', 'zero', 'edge')


def frame_interval_for(frame_span: Optional[int], clip_len: int) -> int:
    """Interval k at which ``clip_len`` frames cover ``frame_span`` recorded
    frames: ``ceil(frame_span / clip_len)``, at least 1; 1 for ``None``.

    Raises:
        ValueError: ``frame_span`` is not a positive integer.
    """
    if frame_span is None:
        return 1
    if int(frame_span) != frame_span or frame_span < 1:
        raise ValueError(
            f'frame_span must be an integer >= 1, got {frame_span!r}')
    return max(1, -(-int(frame_span) // clip_len))


def replay_indices(num_frames: int,
                   clip_len: int,
                   mode: str = 'replay',
                   longer: str = 'uniform',
                   test_mode: bool = True,
                   frame_interval: int = 1,
                   clip_index: int = 0,
                   num_clips: int = 1) -> np.ndarray:
    """Frame indices ``(clip_len,)`` of a clip; -1 marks a zero frame.

    With ``frame_interval`` k > 1 the sequence is first read at every k-th
    frame (from a random phase in ``[0, k)`` when training, phase
    ``(k - 1) // 2`` at test time), so a clip keeps one time scale for
    every sequence, as the paper's T = 300 at the recording's frame rate
    does; the rule below then pads or shortens those frames.

    Args:
        num_frames (int): Frames T of the sequence, > 0.
        clip_len (int): Target length.
        mode (str): ``'replay'`` repeats the sequence from its start,
            ``'zero'`` pads with zero frames, ``'edge'`` holds its last
            frame (no repetition that was not performed, and no jump to
            an empty skeleton).
        longer (str): For ``T > clip_len``: ``'uniform'`` takes one frame
            per equal segment (random within the segment when training,
            the segment's middle at test time); ``'crop'`` takes a window of
            ``clip_len`` frames (random start when training, centred at
            test time).
        test_mode (bool): Deterministic choice. Defaults to True.
        frame_interval (int): Read every ``frame_interval``-th frame first.
            Defaults to 1 (every frame).
        clip_index (int): Which of ``num_clips`` test clips (0-based).
        num_clips (int): Test clips per sequence. Clip i takes, wherever
            the rule above chooses at test time, the middle of the i-th of
            ``num_clips`` equal parts of the choice (frame within a
            segment, crop start, reading phase); a replayed sequence starts
            its replay i / ``num_clips`` of the way into the sequence.
            One clip is the test-time rule above. Defaults to 1.
    """
    if num_frames <= 0:
        raise ValueError('cannot pad a sequence with no frames')
    # the (2i + 1) / 2N point of a range: its middle for one clip
    i, n = clip_index, num_clips
    if frame_interval > 1:
        if test_mode:
            phase = (frame_interval * (2 * i + 1) - 1) // (2 * n)
        else:
            phase = np.random.randint(frame_interval)
        phase = min(phase, num_frames - 1)
        kept = np.arange(phase, num_frames, frame_interval)
        inds = replay_indices(kept.size, clip_len, mode, longer, test_mode,
                              clip_index=i, num_clips=n)
        return np.where(inds < 0, -1, kept[np.maximum(inds, 0)])
    if num_frames <= clip_len:
        inds = np.arange(clip_len)
        if mode == 'replay':
            return (inds + num_frames * i // n) % num_frames
        if mode == 'edge':
            return np.minimum(inds, num_frames - 1)
        return np.where(inds < num_frames, inds, -1)
    if longer == 'crop':
        room = num_frames - clip_len
        start = room * (2 * i + 1) // (2 * n) if test_mode else \
            np.random.randint(room + 1)
        return np.arange(start, start + clip_len)
    bounds = np.arange(clip_len + 1) * num_frames // clip_len
    size = np.diff(bounds)  # every segment holds >= 1 frame
    if test_mode:
        offset = size * (2 * i + 1) // (2 * n)
    else:
        offset = (np.random.random(clip_len) * size).astype(np.int64)
    return bounds[:-1] + offset


@TRANSFORMS.register_module()
class ReplayPad(BaseTransform):
    """Pad (by replay) or shorten a sequence to exactly ``clip_len`` frames.

    Paper: section 3.2 (T = 300 by replaying the action).

    Required Keys:

        - keypoint: ``(M, T, V, C)``.
        - keypoint_score (optional): ``(M, T, V)``.

    Modified Keys:

        - keypoint: ``(M, num_clips * clip_len, V, C)``.
        - keypoint_score (optional): ``(M, num_clips * clip_len, V)``.
        - total_frames: ``clip_len``.

    Added Keys:

        - frame_inds: ``(num_clips * clip_len,)`` source frame of each
          output frame (-1 for a zero frame).
        - num_clips: ``num_clips`` (mmaction2's ``FormatGCNInput`` splits
          the clips into their own axis, the recognizer averages them).

    Args:
        clip_len (int): Output length. Defaults to 300.
        mode (str): One of :data:`PAD_MODES` (see :func:`replay_indices`).
            Defaults to ``'replay'``.
        longer (str): ``'uniform'`` or ``'crop'`` for longer sequences.
            Defaults to ``'uniform'``.
        test_mode (bool): Deterministic shortening. Defaults to False.
        frame_interval (int): Keep every ``frame_interval``-th frame before
            padding or shortening (see :func:`replay_indices`). Defaults
            to 1.
        num_clips (int): Clips per sequence at test time, spread over it
            as :func:`replay_indices` says, as mmaction2's skeleton
            configs test with ``UniformSampleFrames(num_clips=10)``.
            Defaults to 1.
    """

    def __init__(self,
                 clip_len: int = 300,
                 mode: str = 'replay',
                 longer: str = 'uniform',
                 test_mode: bool = False,
                 frame_interval: int = 1,
                 num_clips: int = 1) -> None:
        if int(num_clips) != num_clips or num_clips < 1:
            raise ValueError(
                f'num_clips must be an integer >= 1, got {num_clips!r}')
        if num_clips > 1 and not test_mode:
            raise ValueError(
                f'num_clips={num_clips} needs test_mode=True: training '
                f'takes one clip per sample (set num_clips in the val/test '
                f'pipeline)')
        if mode not in PAD_MODES:
            raise ValueError(f'mode must be one of {PAD_MODES}, got {mode!r}')
        if longer not in ('uniform', 'crop'):
            raise ValueError(
                f"longer must be 'uniform' or 'crop', got {longer!r}")
        if clip_len < 1:
            raise ValueError(f'clip_len must be >= 1, got {clip_len}')
        if int(frame_interval) != frame_interval or frame_interval < 1:
            raise ValueError('frame_interval must be an integer >= 1, got '
                             f'{frame_interval!r}')
        self.clip_len = clip_len
        self.frame_interval = int(frame_interval)
        self.num_clips = int(num_clips)
        self.mode = mode
        self.longer = longer
        self.test_mode = test_mode

    def transform(self, results: Dict) -> Dict:
        """Index ``keypoint`` (and ``keypoint_score``) along T."""
        keypoint = results['keypoint']
        inds = np.concatenate([
            replay_indices(keypoint.shape[1], self.clip_len, self.mode,
                           self.longer, self.test_mode, self.frame_interval,
                           clip_index=i, num_clips=self.num_clips)
            for i in range(self.num_clips)
        ])
        zero = inds < 0
        for key in ('keypoint', 'keypoint_score'):
            if key in results:
                data = results[key][:, np.maximum(inds, 0)]
                if zero.any():
                    data[:, zero] = 0
                results[key] = data
        results['frame_inds'] = inds
        results['total_frames'] = self.clip_len
        results['num_clips'] = self.num_clips
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(clip_len={self.clip_len}, '
                f'mode={self.mode!r}, longer={self.longer!r}, '
                f'test_mode={self.test_mode}, '
                f'frame_interval={self.frame_interval}, '
                f'num_clips={self.num_clips})')
