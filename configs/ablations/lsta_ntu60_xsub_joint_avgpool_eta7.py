# Table 7: MAM with average pooling, eta = 7, dilations 1-3.
_base_ = ['./lsta_ntu60_xsub_joint_eta7.py']

model = dict(backbone=dict(temporal_cfg=dict(mam_cfg=dict(pooling='avg'))))
