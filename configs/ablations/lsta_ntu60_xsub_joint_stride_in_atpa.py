# Not a paper table: the block's temporal stride in its first ATPA (TPA
# averages frames before its 1x1 transform) instead of averaging the frames
# before MSDA (the default, about 1.35x cheaper; docs/model.md).
_base_ = ['./lsta_ntu60_xsub_joint_ablation_base.py']

model = dict(backbone=dict(stride_before_spatial=False))
