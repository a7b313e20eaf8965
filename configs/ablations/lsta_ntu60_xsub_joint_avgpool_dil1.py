# Table 7: MAM with average pooling, eta = 5, dilation 1.
_base_ = ['./lsta_ntu60_xsub_joint_dil1.py']

model = dict(backbone=dict(temporal_cfg=dict(mam_cfg=dict(pooling='avg'))))
