# Table 5's TPA row for the bone stream: TPA without the maximum-response
# attention module (MAM), so the learning benchmark can check that MAM pays
# for itself on bones too (`lsta_bone_tpa`).
_base_ = ['../lsta_ntu60_xsub_bone.py']

model = dict(
    backbone=dict(
        temporal_cfg=dict(
            _delete_=True,
            type='TPA',
            num_fragments=6,
            # the same pyramid as the base's ATPA
            fragment_act={{_base_.model.backbone.temporal_cfg.fragment_act}}
        )))
