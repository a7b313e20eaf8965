# LSTA-Net, bone-motion stream: frame difference of the bones (paper section
# 3.3), NTU RGB+D 60, cross-subject (X-Sub) benchmark.
_base_ = ['./lsta_ntu60_xsub_joint.py']

train_pipeline = [
    dict(
        type='SkeletonStream',
        layout='nturgb+d',
        stream='bone_motion',
        clip_len=300),
    dict(type='PackActionInputs', meta_keys=('frame_dir', ))
]
val_pipeline = [
    dict(
        type='SkeletonStream',
        layout='nturgb+d',
        stream='bone_motion',
        clip_len=300,
        test_mode=True),
    dict(type='PackActionInputs', meta_keys=('frame_dir', ))
]
test_pipeline = val_pipeline
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=val_pipeline))
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))
