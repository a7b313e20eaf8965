# Table 7: MAM dilation rates (1, 2) with eta = 5, max pooling.
_base_ = ['./lsta_ntu60_xsub_joint_ablation_base.py']

model = dict(
    backbone=dict(temporal_cfg=dict(mam_cfg=dict(dilations=(1, 2)))))
