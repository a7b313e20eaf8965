# Four times the paper's learning rate: 0.2 for a total batch of 64 (our
# default is 0.15; docs/model.md, "What makes it learn").
_base_ = ['./lsta_ntu60_xsub_joint_ablation_base.py']

optim_wrapper = dict(optimizer=dict(lr=0.2))
