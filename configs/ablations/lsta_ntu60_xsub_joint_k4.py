# Table 4: MSDA with K = 4 scales.
_base_ = ['./lsta_ntu60_xsub_joint_ablation_base.py']

model = dict(backbone=dict(spatial_cfg=dict(num_scales=4)))
