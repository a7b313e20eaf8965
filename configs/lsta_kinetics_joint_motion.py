# LSTA-Net, joint-motion stream: frame difference of the joints (paper section
# 3.3), Kinetics-Skeleton (OpenPose, 18 joints, x, y, score).
_base_ = ['./lsta_kinetics_joint.py']

train_pipeline = [
    dict(
        type='SkeletonStream',
        layout='openpose',
        stream='joint_motion',
        clip_len=300),
    dict(type='PackActionInputs', meta_keys=('frame_dir', ))
]
val_pipeline = [
    dict(
        type='SkeletonStream',
        layout='openpose',
        stream='joint_motion',
        clip_len=300,
        test_mode=True),
    dict(type='PackActionInputs', meta_keys=('frame_dir', ))
]
test_pipeline = val_pipeline
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=val_pipeline))
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))
