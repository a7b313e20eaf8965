# Table 4: "MS-GCN" spatial aggregation (MS-G3D's disentangled k-hop
# adjacency), K = 8 scales.
_base_ = ['./lsta_ntu60_xsub_joint_ablation_base.py']

model = dict(
    backbone=dict(spatial_cfg=dict(scheme='ms-gcn', num_scales=8)))
