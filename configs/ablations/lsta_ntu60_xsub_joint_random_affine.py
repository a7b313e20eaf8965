# Training clips are randomly rotated (up to 15 degrees about each axis)
# and scaled (up to 10 %) after normalisation; the paper names no
# augmentation (docs/model.md, "What makes it learn").
_base_ = ['./lsta_ntu60_xsub_joint_ablation_base.py']

from lsta_mm.datasets.dataset_config import stream_pipeline  # noqa: E402

train_dataloader = dict(
    dataset=dict(
        pipeline=stream_pipeline(
            layout='nturgb+d',
            stream='joint',
            clip_len=300,
            random_affine=dict(rotate=15, scale=0.1))))
