# LSTA-Net, bone stream (paper section 3.3: the vector from each joint's
# parent, one hop nearer the body centre, to the joint), Kinetics-Skeleton
# (OpenPose, 18 joints, x, y, score).
_base_ = ['./lsta_kinetics_joint.py']

from lsta_mm.datasets.dataset_config import stream_pipeline  # noqa: E402

train_pipeline = stream_pipeline(layout='openpose', stream='bone',
                                 clip_len=300)
val_pipeline = stream_pipeline(True, layout='openpose', stream='bone',
                               clip_len=300)
test_pipeline = val_pipeline
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=val_pipeline))
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))
