# TPA's fragment norms start at zero, so every ATPA starts as the identity
# (Goyal et al., 2017); MAM from the neutral start (docs/model.md, "What
# makes it learn").
_base_ = ['./lsta_ntu60_xsub_joint_ablation_base.py']

model = dict(
    backbone=dict(
        temporal_cfg=dict(
            zero_init_branch=True, mam_cfg=dict(neutral_start=True))))
