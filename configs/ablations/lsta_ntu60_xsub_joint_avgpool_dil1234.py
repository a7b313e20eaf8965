# Table 7: MAM with average pooling, eta = 5, dilations 1-4.
_base_ = ['./lsta_ntu60_xsub_joint_dil1234.py']

model = dict(backbone=dict(temporal_cfg=dict(mam_cfg=dict(pooling='avg'))))
