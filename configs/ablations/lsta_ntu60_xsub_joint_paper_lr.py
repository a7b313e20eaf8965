# The paper's learning rate: 0.05 for a total batch of 64 (our default: 0.15;
# configs/_base_/schedules/sgd_100e.py and docs/model.md, "What makes it
# learn").
_base_ = ['./lsta_ntu60_xsub_joint_ablation_base.py']

optim_wrapper = dict(optimizer=dict(lr=0.05))
