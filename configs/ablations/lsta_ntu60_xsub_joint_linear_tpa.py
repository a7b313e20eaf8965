# TPA's hierarchy as Eq. (4) writes it: no activation between the fragments,
# so the pyramid is one linear temporal filter (the default until
# 2026-12-02; docs/model.md, "What makes it learn").
_base_ = ['./lsta_ntu60_xsub_joint_ablation_base.py']

model = dict(backbone=dict(temporal_cfg=dict(fragment_act=False)))
