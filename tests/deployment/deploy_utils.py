"""Helpers of the deployment tests: tiny exportable models of three kinds
(NTU 3-D joints, Kinetics OpenPose x, y and score, two streams), random
moving bodies in their layouts."""
import os.path as osp

import numpy as np

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
RUNTIME = osp.join(REPO_ROOT, 'configs', '_base_', 'default_runtime.py')
CLIP_LEN = 24
#: Strides 1/2/2, as the paper's: T = 50 gives 25 frames into the last
#: stride, the odd length whose last, shorter window the export must keep.
BACKBONE = ("type='LSTANet', stage_channels=(6, 12, 12), "
            "stage_strides=(1, 2, 2), num_temporal_modules=1, "
            "spatial_cfg=dict(type='MSDA', num_scales=2)")

#: name -> (layout, in_channels, num_classes, stream(s))
KINDS = {
    'ntu': ('nturgb+d', 3, 60, 'joint'),
    'kinetics': ('openpose', 3, 400, 'joint'),
    'two_streams': ('nturgb+d', 3, 8, ['joint', 'bone']),
}


def config_text(kind: str) -> str:
    """A config file's text for one of :data:`KINDS`."""
    layout, in_channels, num_classes, stream = KINDS[kind]
    recognizer = (f"dict(type='RecognizerGCN', backbone=dict({BACKBONE}, "
                  f"graph_cfg=dict(layout={layout!r}), "
                  f"in_channels={in_channels}), cls_head=dict("
                  f"type='GCNHead', num_classes={num_classes}, "
                  f"in_channels=12))")
    if isinstance(stream, list):
        model = (f"dict(type='MultiStreamRecognizer', streams=[dict("
                 f"stream=s, model={recognizer}) for s in {stream!r}])")
    else:
        model = recognizer
    return f'''
_base_ = [{RUNTIME!r}]
model = {model}
test_pipeline = [
    dict(type='SkeletonStream', layout={layout!r}, stream={stream!r},
         clip_len={CLIP_LEN}, test_mode=True),
    dict(type='PackActionInputs', meta_keys=('frame_dir', ))]
test_dataloader = dict(dataset=dict(type='PoseDataset', ann_file='',
                                    pipeline=test_pipeline))
'''


def sequence(kind: str, frames: int = 30, persons: int = 2, seed: int = 0):
    """A random moving body: ``(keypoint (M, T, V, C), keypoint_score (M,
    T, V) or None)`` in the kind's layout (2-D layouts: x, y plus a
    separate score)."""
    layout = KINDS[kind][0]
    joints = 25 if layout == 'nturgb+d' else 18
    rng = np.random.default_rng(seed)
    base = rng.normal(0, 0.3, (persons, 1, joints, 3)) + [0, 0, 3]
    wave = 0.1 * np.sin(np.arange(frames) / 3)[None, :, None, None]
    keypoint = (base + wave * rng.normal(size=(persons, 1, joints, 3)))
    if layout == 'nturgb+d':
        return keypoint.astype(np.float32), None
    score = rng.uniform(0.3, 1.0, (persons, frames, joints))
    return keypoint[..., :2].astype(np.float32), score.astype(np.float32)
