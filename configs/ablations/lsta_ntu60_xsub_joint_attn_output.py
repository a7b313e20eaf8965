# The literal reading of Fig. 1(c), "TPA followed by MAM": MAM re-weights
# TPA's whole output (residual included), from ECA's random start. It learns
# far slower than the default (MAM on TPA's branch, neutral start):
# docs/model.md, "What makes it learn".
_base_ = ['./lsta_ntu60_xsub_joint_ablation_base.py']

model = dict(
    backbone=dict(
        temporal_cfg=dict(
            attention_position='output',
            mam_cfg=dict(neutral_start=False))))
