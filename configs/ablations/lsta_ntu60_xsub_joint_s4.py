# Table 6: ATPA with S = 4 fragments (TPA dilations 1..4).
_base_ = ['./lsta_ntu60_xsub_joint_ablation_base.py']

model = dict(backbone=dict(temporal_cfg=dict(num_fragments=4)))
