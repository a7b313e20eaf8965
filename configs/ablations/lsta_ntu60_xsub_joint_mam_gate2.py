# MAM's weights are 2 * sigmoid(.) instead of Eq. (6)'s sigmoid, from the
# neutral start: every channel starts at weight 1, so each ATPA starts as
# its TPA (docs/model.md, "What makes it learn").
_base_ = ['./lsta_ntu60_xsub_joint_ablation_base.py']

model = dict(
    backbone=dict(
        temporal_cfg=dict(
            mam_cfg=dict(neutral_start=True, gate_scale=2.0))))
