# TPA's fragments each end with the activation, inside the hierarchy, as
# Res2Net's sub-convolutions do (docs/model.md, "What makes it learn").
_base_ = ['./lsta_ntu60_xsub_joint_ablation_base.py']

model = dict(backbone=dict(temporal_cfg=dict(fragment_act=True)))
