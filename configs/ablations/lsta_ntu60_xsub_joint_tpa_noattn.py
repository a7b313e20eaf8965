# Table 5: TPA without the maximum-response attention module (MAM).
_base_ = ['./lsta_ntu60_xsub_joint_ablation_base.py']

model = dict(
    backbone=dict(
        temporal_cfg=dict(
            _delete_=True,
            type='TPA',
            num_fragments=6,
            # the same pyramid as the base's ATPA
            fragment_act={{_base_.model.backbone.temporal_cfg.fragment_act}}
        )))
