# TPA's hierarchy applies the activation only to what each fragment passes
# on to the next: as deep and non-linear as Res2Net's, while the branch
# keeps a norm's signed output (docs/model.md, "What makes it learn").
_base_ = ['./lsta_ntu60_xsub_joint_ablation_base.py']

model = dict(backbone=dict(temporal_cfg=dict(fragment_act='carry')))
