# Res2Net's activation after every TPA fragment (..._fragment_act.py) with
# lr 0.2 per 64 samples (..._lr4x.py): does the deeper pyramid start as fast
# with the larger step? (docs/model.md, "What makes it learn")
_base_ = ['./lsta_ntu60_xsub_joint_fragment_act.py']

optim_wrapper = dict(optimizer=dict(lr=0.2))
