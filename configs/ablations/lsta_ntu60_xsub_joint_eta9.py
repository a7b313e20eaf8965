# Table 7: MAM kernel size eta = 9 (dilations 1-3, max pooling).
_base_ = ['./lsta_ntu60_xsub_joint_ablation_base.py']

model = dict(
    backbone=dict(temporal_cfg=dict(mam_cfg=dict(kernel_size=9))))
