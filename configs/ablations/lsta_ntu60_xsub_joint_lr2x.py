# Twice the paper's learning rate: 0.1 for a total batch of 64, the lr of
# 2s-AGCN and CTR-GCN at this batch and our default until 2026-12-05
# (docs/model.md, "What makes it learn").
_base_ = ['./lsta_ntu60_xsub_joint_ablation_base.py']

optim_wrapper = dict(optimizer=dict(lr=0.1))
