# Table 7: MAM with average pooling (eta = 5, dilations 1-3).
_base_ = ['./lsta_ntu60_xsub_joint_ablation_base.py']

model = dict(backbone=dict(temporal_cfg=dict(mam_cfg=dict(pooling='avg'))))
