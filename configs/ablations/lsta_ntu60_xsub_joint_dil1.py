# Table 7: MAM with a single dilation rate 1, eta = 5, max pooling.
_base_ = ['./lsta_ntu60_xsub_joint_ablation_base.py']

model = dict(
    backbone=dict(temporal_cfg=dict(mam_cfg=dict(dilations=(1, )))))
