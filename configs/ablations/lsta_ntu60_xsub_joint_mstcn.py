# Table 5: MS-TCN (mmaction2's mstcn with a residual path) instead of ATPA,
# no attention.
_base_ = ['./lsta_ntu60_xsub_joint_ablation_base.py']

model = dict(
    backbone=dict(temporal_cfg=dict(_delete_=True, type='ResidualMSTCN')))
