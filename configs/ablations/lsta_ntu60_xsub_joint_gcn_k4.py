# Table 4: "GCN" spatial aggregation (powers of the normalised A + I),
# K = 4 scales.
_base_ = ['./lsta_ntu60_xsub_joint_ablation_base.py']

model = dict(backbone=dict(spatial_cfg=dict(scheme='gcn', num_scales=4)))
