# LSTA-Net, four streams (joint, bone, joint motion, bone motion), Kinetics-
# Skeleton (OpenPose, 18 joints), as one model; see lsta_kinetics_3s.py.
_base_ = ['./lsta_kinetics_joint.py']

from lsta_mm.datasets.dataset_config import stream_pipeline  # noqa: E402

streams = ['joint', 'bone', 'joint_motion', 'bone_motion']
model = dict(
    _delete_=True,
    type='MultiStreamRecognizer',
    streams=[dict(stream=name, model={{_base_.model}}) for name in streams])

train_pipeline = stream_pipeline(layout='openpose', stream=streams,
                                 clip_len=300)
val_pipeline = stream_pipeline(True, layout='openpose', stream=streams,
                               clip_len=300)
test_pipeline = val_pipeline
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=val_pipeline))
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))
# fused accuracy (AccMetric) and every stream's own (stream/<name>_top1, ...)
val_evaluator = [dict(type='AccMetric'), dict(type='StreamAccMetric')]
test_evaluator = val_evaluator
