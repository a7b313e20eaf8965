# LSTA-Net, joint stream, Kinetics-Skeleton (OpenPose, 18 joints, x, y, score).
_base_ = [
    './_base_/default_runtime.py', './_base_/models/lsta.py',
    './_base_/datasets/kinetics400.py', './_base_/schedules/sgd_100e.py'
]

# 18 OpenPose joints; the 3 input channels are x, y and the detection
# score.
model = dict(
    backbone=dict(graph_cfg=dict(layout='openpose'), in_channels=3),
    cls_head=dict(num_classes=400))
