# Kinetics-Skeleton (OpenPose, 18 joints, x, y, score): annotations,
# joint-stream pipelines, loaders and evaluators. Prepare
# data/skeleton/kinetics_skeleton_2d.pkl with tools/data/gen_kinetics_pkl.py
# from the Kinetics-Skeleton JSON release (docs/data.md). Clips are padded to T
# = 300 frames by replaying the action and normalised and translated as in the
# paper (section 3.2). 16 samples per GPU: the paper's total batch of 64 on 4
# GPUs (auto_scale_lr.base_batch_size).
# The NTU-60 X-Sub base with the 2-D OpenPose layout, its file, splits and
# 400 classes.
_base_ = ['./ntu60_xsub.py']

ann_file = 'data/skeleton/kinetics_skeleton_2d.pkl'
train_pipeline = [
    dict(type='SkeletonStream', layout='openpose', stream='joint',
         clip_len=300),
    dict(type='PackActionInputs', meta_keys=('frame_dir', ))
]
val_pipeline = [
    dict(
        type='SkeletonStream',
        layout='openpose',
        stream='joint',
        clip_len=300,
        test_mode=True),
    dict(type='PackActionInputs', meta_keys=('frame_dir', ))
]
test_pipeline = val_pipeline

kinetics = dict(ann_file=ann_file, layout='openpose', num_classes=400)
train_dataloader = dict(
    dataset=dict(split='train', pipeline=train_pipeline, **kinetics))
val_dataloader = dict(
    dataset=dict(split='val', pipeline=val_pipeline, **kinetics))
test_dataloader = dict(
    dataset=dict(split='val', pipeline=test_pipeline, **kinetics))
