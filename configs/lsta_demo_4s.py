# Four-stream ensemble on the synthetic demo dataset (configs/
# lsta_demo_joint.py): a quick end-to-end check of score-level fusion
# (paper section 3.3). Train the streams into the work_dirs named below:
#   python tools/train.py configs/lsta_demo_joint.py
#   for s in bone joint_motion bone_motion; do
#     python tools/train.py configs/lsta_demo_joint.py \
#       --work-dir work_dirs/lsta_demo_$s --cfg-options \
#       train_dataloader.dataset.pipeline.0.stream=$s \
#       val_dataloader.dataset.pipeline.0.stream=$s \
#       test_dataloader.dataset.pipeline.0.stream=$s
#   done
# then: python -m lsta_mm.apis.ensemble configs/lsta_demo_4s.py ENS.pth
#       python tools/test.py configs/lsta_demo_4s.py ENS.pth
_base_ = ['./lsta_demo_joint.py']

work_dir_prefix = 'work_dirs/lsta_demo_'
model = dict(
    _delete_=True,
    type='MultiStreamRecognizer',
    layout='nturgb+d',
    streams=[
        dict(
            stream='joint',
            model={{_base_.model}},
            checkpoint=work_dir_prefix + 'joint',
            weight=0.6),
        dict(
            stream='bone',
            model={{_base_.model}},
            checkpoint=work_dir_prefix + 'bone',
            weight=0.6),
        dict(
            stream='joint_motion',
            model={{_base_.model}},
            checkpoint=work_dir_prefix + 'joint_motion',
            weight=0.4),
        dict(
            stream='bone_motion',
            model={{_base_.model}},
            checkpoint=work_dir_prefix + 'bone_motion',
            weight=0.4),
    ])

# The joint pipeline of the base config, plus what the model needs for the
# motion streams: frame_inds (the source frame of every clip position) and
# source_keypoint (the normalised sequence before it is fitted to the clip),
# so each frame's successor is the one the per-stream pipelines use.
test_pipeline = [
    dict(
        type='KeyMapper',
        mapping=dict(keypoint='keypoint'),
        remapping=dict(keypoint='source_keypoint'),
        transforms=[dict(type='NormalizeSkeleton', layout='nturgb+d')]),
    dict(
        type='SkeletonStream',
        layout='nturgb+d',
        stream='joint',
        clip_len={{_base_.clip_len}},
        num_person={{_base_.num_person}},
        test_mode=True),
    dict(
        type='PackActionInputs',
        meta_keys=('frame_dir', 'frame_inds', 'source_keypoint'))
]
val_pipeline = test_pipeline
val_dataloader = dict(dataset=dict(pipeline=val_pipeline))
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))
val_evaluator = [dict(type='AccMetric'), dict(type='StreamAccMetric')]
test_evaluator = val_evaluator
