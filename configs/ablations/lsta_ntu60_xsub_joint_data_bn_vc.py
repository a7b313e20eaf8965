# The input data norm shares its statistics across persons (mmaction2's and
# PYSKL's 'VC'), instead of one statistic per person, joint and coordinate
# ('MVC', the paper's reading; docs/model.md, "What makes it learn").
_base_ = ['./lsta_ntu60_xsub_joint_ablation_base.py']

model = dict(backbone=dict(data_bn_type='VC'))
