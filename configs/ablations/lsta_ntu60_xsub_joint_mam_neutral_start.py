# MAM's 1-D conv weights start at zero, so every channel is weighed 0.5 at
# first, instead of ECA's random start (docs/model.md, "What makes it
# learn").
_base_ = ['./lsta_ntu60_xsub_joint_ablation_base.py']

model = dict(
    backbone=dict(temporal_cfg=dict(mam_cfg=dict(neutral_start=True))))
