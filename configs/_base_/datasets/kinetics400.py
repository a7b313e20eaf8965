# Kinetics-Skeleton (OpenPose, 18 joints, x, y, score): annotations,
# joint-stream pipelines, loaders and evaluators. Prepare
# data/skeleton/kinetics_skeleton_2d.pkl with tools/data/gen_kinetics_pkl.py
# from the Kinetics-Skeleton JSON release (docs/data.md). Clips of T = 300
# frames read as ntu60_xsub.py says, normalised and translated as in the paper
# (section 3.2). 16 samples per GPU: the paper's total batch of 64 on 4 GPUs
# (auto_scale_lr.base_batch_size).
# The NTU-60 X-Sub base with the 2-D OpenPose layout, its file, splits and
# 400 classes.
_base_ = ['./ntu60_xsub.py']

from lsta_mm.datasets.dataset_config import stream_pipeline  # noqa: E402

ann_file = 'data/skeleton/kinetics_skeleton_2d.pkl'
train_pipeline = stream_pipeline(layout='openpose', stream='joint',
                                 clip_len=300)
val_pipeline = stream_pipeline(True, layout='openpose', stream='joint',
                               clip_len=300)
test_pipeline = val_pipeline

kinetics = dict(ann_file=ann_file, layout='openpose', num_classes=400)
train_dataloader = dict(
    dataset=dict(split='train', pipeline=train_pipeline, **kinetics))
val_dataloader = dict(
    dataset=dict(split='val', pipeline=val_pipeline, **kinetics))
test_dataloader = dict(
    dataset=dict(split='val', pipeline=test_pipeline, **kinetics))
